//! `refeed extract`: the article extractor on local files, for people who want
//! to see what refeed keeps of a page, and for the extraction benchmark
//! (`--batch`, which `evaluate.py --batch` calls with a folder of pages).

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;
use url::Url;

use crate::extract::{self, ArticleRules};
use crate::fetch;
use crate::model::Article;

/// What `refeed extract` prints for one page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtractFormat {
    /// The article as plain paragraphs separated by blank lines.
    Text,
    /// The cleaned, sanitized article HTML.
    Html,
    /// Metadata, text and HTML as one JSON object.
    Json,
}

/// Extracts one page: `input` is a file (`.html` or `.html.gz`) or `-` for
/// standard input; `url` resolves relative links (default: the file's URL, or
/// `$BENCH_PAGE_URL` as the benchmark's per-page mode sets it).
pub fn extract_one(
    input: &Path,
    url: Option<Url>,
    format: ExtractFormat,
) -> anyhow::Result<String> {
    let html = read_page(input)?;
    let url = match url {
        Some(url) => url,
        None => std::env::var("BENCH_PAGE_URL")
            .ok()
            .and_then(|u| Url::parse(&u).ok())
            .unwrap_or_else(|| file_url(input)),
    };
    let article = extract::article(&html, &url, &ArticleRules::default())
        .with_context(|| format!("cannot extract {}", input.display()))?;
    Ok(render(&article, format))
}

fn render(article: &Article, format: ExtractFormat) -> String {
    match format {
        ExtractFormat::Text => format!("{}\n", article.text),
        ExtractFormat::Html => format!("{}\n", article.html),
        ExtractFormat::Json => {
            let date = |d: Option<chrono::DateTime<chrono::Utc>>| d.map(|d| d.to_rfc3339());
            let value = serde_json::json!({
                "title": article.title,
                "author": article.author,
                "published": date(article.published),
                "modified": date(article.modified),
                "image": article.image,
                "site_name": article.site_name,
                "language": article.language,
                "canonical": article.canonical,
                "text": article.text,
                "html": article.html,
            });
            format!("{value:#}\n")
        }
    }
}

/// Extracts every `*.html` and `*.html.gz` in `dir`, on all cores, and returns
/// `{file stem: text}` as JSON. Page URLs come from the JSON object
/// `{stem: url}` named by `$BENCH_URLS_FILE`, when set.
pub fn extract_batch(dir: &Path) -> anyhow::Result<String> {
    let pages = batch_pages(dir)?;
    let urls = bench_urls()?;
    let next = AtomicUsize::new(0);
    let results = Mutex::new(BTreeMap::new());
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers.min(pages.len().max(1)) {
            scope.spawn(|| {
                while let Some((stem, path)) = pages.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let text = batch_text(path, urls.get(stem));
                    results.lock().expect("lock").insert(stem.clone(), text);
                }
            });
        }
    });
    let results = results.into_inner().expect("lock");
    Ok(serde_json::to_string(&results)?)
}

/// One page's text for the batch; a page that cannot be read yields an empty
/// text (and a warning) so one bad file does not sink the whole batch.
fn batch_text(path: &Path, url: Option<&String>) -> String {
    let html = match read_page(path) {
        Ok(html) => html,
        Err(err) => {
            tracing::warn!(path = %path.display(), error = %format!("{err:#}"), "skipping page");
            return String::new();
        }
    };
    let url = url
        .and_then(|u| Url::parse(u).ok())
        .unwrap_or_else(|| file_url(path));
    match extract::article(&html, &url, &ArticleRules::default()) {
        Ok(article) => article.text,
        Err(err) => {
            tracing::warn!(path = %path.display(), error = %err, "skipping page");
            String::new()
        }
    }
}

/// `(stem, path)` of the pages in `dir`, sorted by name.
fn batch_pages(dir: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read folder {}", dir.display()))?;
    let mut pages = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let stem = name
            .strip_suffix(".html.gz")
            .or_else(|| name.strip_suffix(".html"));
        if let Some(stem) = stem {
            pages.push((stem.to_owned(), path.clone()));
        }
    }
    pages.sort();
    Ok(pages)
}

fn bench_urls() -> anyhow::Result<HashMap<String, String>> {
    let Some(path) = std::env::var_os("BENCH_URLS_FILE") else {
        return Ok(HashMap::new());
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read BENCH_URLS_FILE {}", Path::new(&path).display()))?;
    serde_json::from_str(&text).context("BENCH_URLS_FILE is not a JSON object of strings")
}

/// Reads a page (gunzipping `.gz`) and decodes it to UTF-8 the way fetched
/// pages are: BOM, then `<meta charset>`, else UTF-8.
pub(super) fn read_page(path: &Path) -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
    } else {
        bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    }
    if path.extension().is_some_and(|e| e == "gz") {
        let mut plain = Vec::with_capacity(gunzipped_size(&bytes));
        flate2::bufread::GzDecoder::new(bytes.as_slice())
            .read_to_end(&mut plain)
            .with_context(|| format!("cannot gunzip {}", path.display()))?;
        bytes = plain;
    }
    Ok(fetch::decode(&bytes, None))
}

/// The room to reserve for gunzipping `gz`: the size its trailer declares
/// (the last 4 bytes, little-endian), at most 64 times the compressed size
/// so a forged trailer cannot reserve more than a real page could fill.
fn gunzipped_size(gz: &[u8]) -> usize {
    let declared = gz
        .last_chunk::<4>()
        .map_or(0, |size| u32::from_le_bytes(*size) as usize);
    declared.min(gz.len().saturating_mul(64))
}

/// `file:///abs/path`, the base for relative links in a local page.
pub(super) fn file_url(path: &Path) -> Url {
    std::path::absolute(path)
        .ok()
        .and_then(|p| Url::from_file_path(p).ok())
        .unwrap_or_else(|| Url::parse("file:///").expect("valid URL"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_pages_takes_html_and_gzipped_html_sorted_by_stem() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.html", "a.html.gz", "notes.txt", "c.htm"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let stems: Vec<_> = batch_pages(dir.path())
            .unwrap()
            .into_iter()
            .map(|(stem, _)| stem)
            .collect();
        assert_eq!(stems, ["a", "b"]);
    }

    #[test]
    fn read_page_gunzips_and_decodes_the_declared_charset() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.html.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"<meta charset=\"windows-1252\"><p>caf\xe9</p>")
            .unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        assert!(read_page(&path).unwrap().contains("<p>café</p>"));
    }

    #[test]
    fn json_output_names_every_field() {
        let article = Article {
            title: Some("T".into()),
            text: "Body".into(),
            ..Article::default()
        };
        let value: serde_json::Value =
            serde_json::from_str(&render(&article, ExtractFormat::Json)).unwrap();
        for key in [
            "title",
            "author",
            "published",
            "modified",
            "image",
            "site_name",
            "language",
            "canonical",
            "text",
            "html",
        ] {
            assert!(value.get(key).is_some(), "missing {key}");
        }
        assert_eq!(value["text"], "Body");
    }
}
