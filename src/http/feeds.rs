//! `GET /feeds/{id}.{rss,atom,json}`: picks a source's items (or every
//! source's) from the store, renders them with `feed`, and serves the result
//! from [`FeedCache`](super::FeedCache) until the store reports a change.
//! Filtered requests (`?limit`, `?q`, `?since`) filter the cached items and
//! render only those selected, compressed fast (issue 9, point 6).

use std::sync::Arc;

use axum::extract::{Path, RawQuery, Request, State};
use axum::http::Method;
use axum::http::header::ACCEPT_ENCODING;
use axum::response::Response;

use super::cache::Snapshot;
use super::conditional::{negotiate, respond};
use super::error::HttpError;
use super::filtered::FilteredKey;
use super::query::FeedQuery;
use super::rendered::{Encoding, Rendered};
use super::snapshot::{load_snapshot, newest_change};
use super::stylesheet::{FEED_XSL_HREF, show_in_browsers};
use super::{AppState, FeedFormat, feed_url};
use crate::feed::{self, FeedInfo};
use crate::model::{SourceMeta, StoredItem};
use crate::store::StoreError;

/// The id of the combined feed of every source. Config must refuse it as a
/// source id, or that source's feed would be unreachable.
pub const ALL_FEED_ID: &str = "all";

/// Upper bound on the combined feed's length.
pub const ALL_FEED_MAX_ITEMS: usize = 200;

/// Length of the combined feed: the sum of the sources' `max_items`, at most
/// [`ALL_FEED_MAX_ITEMS`].
///
/// The sum lets the combined feed hold as many items as all source feeds
/// together, so a reader subscribed only to `all` misses no more than one
/// subscribed to each source when one busy outlet posts in bursts; the cap
/// keeps a full-text document of many sources to a few megabytes.
pub fn all_feed_limit(sources: &[SourceMeta]) -> usize {
    let total: usize = sources.iter().map(|s| s.max_items).sum();
    total.min(ALL_FEED_MAX_ITEMS)
}

/// Renders the feed of a source id (or `all`) exactly as `GET /feeds/{id}.{ext}`
/// serves it; `Ok(None)` for an unknown id. Used by `refeed feed`; reads
/// the store every time (the server goes through its cache).
pub async fn render_feed(
    state: &AppState,
    id: &str,
    format: FeedFormat,
) -> Result<Option<String>, StoreError> {
    let snapshot = load_snapshot(state, id).await?;
    Ok(snapshot.map(|s| render_body(state, id, format, &s.info, &s.items)))
}

/// The document of one format, with this format's self link.
fn render_body(
    state: &AppState,
    id: &str,
    format: FeedFormat,
    info: &FeedInfo,
    items: &[StoredItem],
) -> String {
    let info = FeedInfo {
        self_url: feed_url(&state.base_url, id, format),
        hub: state.websub_hub.as_ref().map(ToString::to_string),
        stylesheet: Some(FEED_XSL_HREF.to_string()),
        ..info.clone()
    };
    match format {
        FeedFormat::Rss => feed::rss(&info, items),
        FeedFormat::Atom => feed::atom(&info, items),
        FeedFormat::Json => feed::json_feed(&info, items),
    }
}

/// `GET /feeds/{file}` (and `HEAD`).
pub(super) async fn handler(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
    RawQuery(raw_query): RawQuery,
    request: Request,
) -> Result<Response, HttpError> {
    let (id, format) = parse_file(&file)?;
    if id != ALL_FEED_ID && !state.sources.load().iter().any(|s| s.id == id) {
        let query = raw_query.as_deref();
        return match super::lifecycle::moved_or_gone(&state, id, format, query).await? {
            Some(response) => Ok(response),
            None => Err(HttpError::NotFound(unknown_id(&state, id))),
        };
    }
    let query = FeedQuery::parse(raw_query.as_deref()).map_err(HttpError::BadRequest)?;
    let generation = state.cache.sync(&state.store);
    let encoding = negotiate(request.headers().get(ACCEPT_ENCODING));
    let feed = (id, format, encoding);
    let rendered = if query.is_empty() {
        whole_feed(&state, generation, feed).await?
    } else {
        filtered_feed(&state, generation, feed, &query).await?
    };
    let head = request.method() == Method::HEAD;
    let mut response = respond(&rendered, request.headers(), head);
    if format != FeedFormat::Json {
        show_in_browsers(&mut response, request.headers());
    }
    Ok(response)
}

/// The cached feed in one encoding, rendered on a miss (the hot path is
/// the first line).
async fn whole_feed(
    state: &AppState,
    generation: u64,
    feed: (&str, FeedFormat, Encoding),
) -> Result<Arc<Rendered>, HttpError> {
    let (id, format, encoding) = feed;
    if let Some(rendered) = state.cache.rendered(id, format, encoding) {
        crate::metrics::feed_cache(true);
        return Ok(rendered);
    }
    crate::metrics::feed_cache(false);
    let snapshot = snapshot(state, generation, id).await?;
    // Readers arriving together after a change would each render the same
    // feed (at high compression levels): one renders, the others find it.
    let _permit = state.cache.render_permit().await;
    if let Some(rendered) = state.cache.rendered(id, format, encoding) {
        return Ok(rendered);
    }
    let rendered = build(state, feed, snapshot).await?;
    state
        .cache
        .put_rendered(&state.store, generation, feed, rendered.clone());
    Ok(rendered)
}

/// A filtered feed in one encoding: the cached snapshot's items filtered
/// (no database read once the feed is cached), then the filtered cache, or
/// a render of the selected items only, at most a few at once.
async fn filtered_feed(
    state: &AppState,
    generation: u64,
    (id, format, encoding): (&str, FeedFormat, Encoding),
    query: &FeedQuery,
) -> Result<Arc<Rendered>, HttpError> {
    let snapshot = snapshot(state, generation, id).await?;
    let selection = query.select(&snapshot.items);
    if selection.len() == snapshot.items.len() {
        // Every item passes (`?limit=1000` on a feed of 50): the document
        // is the whole feed's, already rendered and compressed.
        return whole_feed(state, generation, (id, format, encoding)).await;
    }
    let key = FilteredKey {
        id: id.to_string(),
        format,
        encoding,
        selection: selection.into(),
    };
    if let Some(rendered) = state.cache.filtered(&key) {
        return Ok(rendered);
    }
    let _permit = state.cache.render_permit().await;
    // Another request for the same selection may have rendered it meanwhile.
    if let Some(rendered) = state.cache.filtered(&key) {
        return Ok(rendered);
    }
    let rendered = build_filtered(state, snapshot, key.clone()).await?;
    let store = &state.store;
    state
        .cache
        .put_filtered(store, generation, key, rendered.clone());
    Ok(rendered)
}

/// The cached snapshot of a known feed, read from the store on a miss.
async fn snapshot(state: &AppState, generation: u64, id: &str) -> Result<Arc<Snapshot>, HttpError> {
    if let Some(snapshot) = state.cache.snapshot(id) {
        return Ok(snapshot);
    }
    let Some(snapshot) = load_snapshot(state, id).await? else {
        return Err(HttpError::NotFound(unknown_id(state, id)));
    };
    let snapshot = Arc::new(snapshot);
    state
        .cache
        .put_snapshot(&state.store, generation, id, snapshot.clone());
    Ok(snapshot)
}

/// Renders the whole feed and compresses it in the encoding asked for,
/// off the async threads (milliseconds for a large full-text feed, once
/// per change and encoding).
async fn build(
    state: &AppState,
    (id, format, encoding): (&str, FeedFormat, Encoding),
    snapshot: Arc<Snapshot>,
) -> Result<Arc<Rendered>, HttpError> {
    let state = state.clone();
    let id = id.to_string();
    off_thread(move || {
        let body = render_body(&state, &id, format, &snapshot.info, &snapshot.items);
        let interval = snapshot.refresh_interval;
        Rendered::build(body, format, snapshot.info.updated, interval, encoding)
    })
    .await
}

/// Renders the selected items only, compressed fast in the one encoding
/// asked for ([`Rendered::build_one`]), off the async threads.
async fn build_filtered(
    state: &AppState,
    snapshot: Arc<Snapshot>,
    key: FilteredKey,
) -> Result<Arc<Rendered>, HttpError> {
    let state = state.clone();
    off_thread(move || {
        let positions = key.selection.iter().map(|&i| i as usize);
        let items: Vec<StoredItem> = positions
            .filter_map(|i| snapshot.items.get(i).cloned())
            .collect();
        let info = FeedInfo {
            updated: newest_change(&items),
            ..snapshot.info.clone()
        };
        let body = render_body(&state, &key.id, key.format, &info, &items);
        let interval = snapshot.refresh_interval;
        Rendered::build_one(body, key.format, info.updated, interval, key.encoding)
    })
    .await
}

/// Runs CPU-bound rendering on the blocking pool.
async fn off_thread(
    work: impl FnOnce() -> Rendered + Send + 'static,
) -> Result<Arc<Rendered>, HttpError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(rendered) => Ok(Arc::new(rendered)),
        Err(err) => Err(HttpError::Internal(
            anyhow::Error::new(err).context("rendering a feed"),
        )),
    }
}

/// Splits `{id}.{ext}`; names are `{:?}`-quoted in messages so a `%0A` in the
/// path cannot break the one-line message.
fn parse_file(file: &str) -> Result<(&str, FeedFormat), HttpError> {
    let Some((id, extension)) = file.rsplit_once('.') else {
        let known = known_extensions();
        return Err(HttpError::NotFound(format!(
            "no feed format in {file:?} ({known})"
        )));
    };
    match FeedFormat::from_extension(extension) {
        Some(format) => Ok((id, format)),
        None => Err(HttpError::NotFound(format!(
            "no feed format {extension:?} ({})",
            known_extensions()
        ))),
    }
}

/// `known: .rss, .atom, .json`, for 404 messages only (built on the error
/// path: the hot path allocates nothing it does not send).
fn known_extensions() -> String {
    let extensions: Vec<String> = FeedFormat::ALL
        .iter()
        .map(|f| format!(".{}", f.extension()))
        .collect();
    format!("known: {}", extensions.join(", "))
}

fn unknown_id(state: &AppState, id: &str) -> String {
    let sources = state.sources.load();
    let ids = sources.iter().map(|s| s.id.as_str());
    let known: Vec<&str> = ids.chain([super::ALL_FEED_ID]).collect();
    format!("no feed {id:?} (known: {})", known.join(", "))
}

#[cfg(test)]
mod tests;
