//! `refeed try`'s arguments and its run: previewing a source from a URL or
//! a saved page.

use std::path::Path;

use anyhow::Context;
use clap::ValueEnum;
use refeed::app;
use refeed::model::{Method, TeaserPattern};
use url::Url;

use crate::BLOCKING_POOL_GRACE;

#[derive(Debug, clap::Args)]
pub(crate) struct TryArgs {
    /// The page's URL; or, with --url, a saved page (`.html`, `.html.gz`,
    /// or `-` for standard input), read with no network at all.
    target: String,
    /// The saved page's URL (makes TARGET a file).
    #[arg(long)]
    url: Option<Url>,
    /// Force a method instead of taking the first that works.
    #[arg(long, value_enum, conflicts_with = "item")]
    method: Option<TryMethod>,
    /// Your own item selector (CSS), instead of detection; needs --title
    /// and --link.
    #[arg(long, requires_all = ["title", "link"])]
    item: Option<String>,
    /// The title selector, relative to --item.
    #[arg(long, requires = "item")]
    title: Option<String>,
    /// The link selector (its `href`), relative to --item.
    #[arg(long, requires = "item")]
    link: Option<String>,
    /// The date selector (`datetime`, else text), relative to --item.
    #[arg(long, requires = "item")]
    date: Option<String>,
    /// The summary selector, relative to --item.
    #[arg(long, requires = "item")]
    summary: Option<String>,
    /// The author selector, relative to --item.
    #[arg(long, requires = "item")]
    author: Option<String>,
    /// The thumbnail selector (an `<img>`), relative to --item.
    #[arg(long, requires = "item")]
    image: Option<String>,
    /// Output: the report, or JSON {"method", "items": [...]}.
    #[arg(long, value_enum, default_value_t = TryFormat::Text)]
    format: TryFormat,
    /// Also fetch the first item's article and show what is extracted
    /// (text output; needs the network).
    #[arg(long)]
    full_text: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TryMethod {
    Feed,
    Wordpress,
    Structured,
    Teasers,
}

impl From<TryMethod> for Method {
    fn from(method: TryMethod) -> Self {
        match method {
            TryMethod::Feed => Method::Feed,
            TryMethod::Wordpress => Method::Wordpress,
            TryMethod::Structured => Method::Structured,
            TryMethod::Teasers => Method::Teasers,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TryFormat {
    Text,
    Json,
}

impl TryArgs {
    /// The request for `app::try_url`.
    fn request(&self) -> app::try_url::TryRequest {
        let selectors = self.item.as_ref().map(|item| TeaserPattern {
            item: item.clone(),
            title: self.title.clone().unwrap_or_default(),
            link: self.link.clone().unwrap_or_default(),
            date: self.date.clone(),
            summary: self.summary.clone(),
            author: self.author.clone(),
            image: self.image.clone(),
        });
        app::try_url::TryRequest {
            pin: self.method.map(Method::from),
            selectors,
            format: match self.format {
                TryFormat::Text => app::try_url::TryFormat::Text,
                TryFormat::Json => app::try_url::TryFormat::Json,
            },
            full_text: self.full_text,
        }
    }
}

/// `refeed try`: a saved page (offline, no runtime needed) or a URL. Its
/// report is printed even when nothing was found, then the failure.
pub(crate) fn try_page(args: &TryArgs, config: &Path) -> anyhow::Result<bool> {
    let request = args.request();
    if args.full_text && matches!(args.format, TryFormat::Json) {
        anyhow::bail!("--full-text shows the article in the text report: drop --format json");
    }
    let output = match &args.url {
        Some(url) => app::try_url::try_file(std::path::Path::new(&args.target), url, &request)?,
        None => {
            let url = Url::parse(&args.target)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .with_context(|| {
                    format!(
                        "{} is not an http(s) URL (for a saved page, give its URL with --url)",
                        args.target
                    )
                })?;
            let runtime =
                tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            let output = runtime.block_on(app::try_url::try_url(config, &url, &request));
            runtime.shutdown_timeout(BLOCKING_POOL_GRACE);
            output?
        }
    };
    print!("{}", output.stdout);
    for warning in &output.warnings {
        eprintln!("refeed: warning: {warning}");
    }
    match output.failure {
        Some(failure) => Err(failure),
        None => Ok(true),
    }
}
