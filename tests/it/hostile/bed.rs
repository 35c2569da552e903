//! The hostile bed itself: which origin misbehaves how, the source that
//! reads it, and what that source must end with.

use std::sync::Arc;

use encoding_rs::WINDOWS_1252;

use super::pages::{self, encode, listing};
use super::server::{Behaviour, Fixed, Host};
use crate::support::{SourceToml, TestEnv};

/// `[fetch]` and `[scheduler]` of every test here.
pub const SETTINGS: &str = "[fetch]\ntimeout = \"3s\"\nfirst_byte_timeout = \"2s\"\n\
                            connect_timeout = \"2s\"\nmax_body_bytes = 2097152\n\
                            per_host_delay = \"0s\"\n\n\
                            [scheduler]\nworkers = 16\n";

const GOOD: [&str; 3] = [
    "Council approves the new riverside park",
    "Library opens on Sundays",
    "Night trains return to the valley",
];

/// What a source of the bed must end with.
pub enum Expect {
    /// An error whose message contains one of these.
    Error(Vec<String>),
    /// Success, with exactly these item titles in its feed.
    Items(Vec<&'static str>),
}

/// One source of the bed.
pub struct Case {
    /// The source id.
    pub id: &'static str,
    url: String,
    listing: bool,
    ignore_robots: bool,
    /// How its refresh must end.
    pub expect: Expect,
}

impl Case {
    fn listing(id: &'static str, host: &Host, path: &str, expect: Expect) -> Self {
        Case {
            id,
            url: host.url(path),
            listing: true,
            ignore_robots: false,
            expect,
        }
    }

    fn toml(&self) -> SourceToml {
        let source = if self.listing {
            SourceToml::listing(self.id, &self.url)
        } else {
            SourceToml::feed(self.id, &self.url)
        };
        if self.ignore_robots {
            source.ignore_robots()
        } else {
            source
        }
    }
}

/// Headers and then silence: the read-idle timeout (`first_byte_timeout`,
/// 2 s) or, failing that, the total one (3 s); each message names its limit.
pub fn hang_errors() -> Vec<String> {
    let messages = [
        "stopped sending for 2s",
        "sent no response within 2s",
        "did not finish within 3s",
    ];
    messages.map(str::to_owned).to_vec()
}

fn error(fragment: &str) -> Expect {
    Expect::Error(vec![fragment.to_owned()])
}

/// All hosts of the bed (kept alive while the test runs), each with the
/// ids of the sources reading it, and its sources.
pub struct Bed {
    hosts: Vec<(Vec<&'static str>, Host)>,
    /// Every source, the good one first.
    pub cases: Vec<Case>,
}

impl Bed {
    /// Starts every host of the bed.
    pub async fn start() -> Bed {
        let mut bed = Bed {
            hosts: Vec::new(),
            cases: Vec::new(),
        };
        bed.statuses().await;
        bed.slow_and_broken_bodies().await;
        bed.oversized().await;
        bed.wrong_content().await;
        bed.charsets().await;
        bed.robots().await;
        bed
    }

    /// Starts a host and adds a listing source reading `path` on it.
    async fn add(&mut self, id: &'static str, behaviour: Behaviour, path: &str, expect: Expect) {
        let host = Host::start(behaviour).await;
        self.cases.push(Case::listing(id, &host, path, expect));
        self.hosts.push((vec![id], host));
    }

    /// A working folder whose config reads every source of the bed.
    pub fn env(&self) -> TestEnv {
        let sources: Vec<SourceToml> = self.cases.iter().map(Case::toml).collect();
        TestEnv::with_settings(&sources, SETTINGS)
    }

    /// The host serving source `id`.
    fn host(&self, id: &str) -> &Host {
        let (_, host) = self
            .hosts
            .iter()
            .find(|(ids, _)| ids.contains(&id))
            .expect("host");
        host
    }

    /// How many requests the host of source `id` received, robots.txt
    /// included.
    pub fn requests_to(&self, id: &str) -> usize {
        self.host(id).requests().len()
    }

    /// Paths other than `/robots.txt` that the host of source `id` was asked for.
    pub fn pages_requested(&self, id: &str) -> Vec<String> {
        let mut paths = self.host(id).requests();
        paths.retain(|path| path != "/robots.txt");
        paths
    }

    async fn statuses(&mut self) {
        let good = Fixed::ok("text/html; charset=utf-8", listing(&GOOD, "").into_bytes());
        self.add(
            "good",
            Behaviour::Fixed(good),
            "/news/",
            Expect::Items(GOOD.to_vec()),
        )
        .await;
        let status = |code, headers: &[&str]| Behaviour::Fixed(Fixed::status(code, headers));
        let e500 = status("500 Internal Server Error", &[]);
        self.add("e500", e500, "/news/", error("answered HTTP 500"))
            .await;
        let e503 = status("503 Service Unavailable", &["Retry-After: 120"]);
        let retry = error("answered HTTP 503, retry after 120s");
        self.add("e503", e503, "/news/", retry).await;
        let e429 = status("429 Too Many Requests", &[]);
        self.add("e429", e429, "/news/", error("answered HTTP 429"))
            .await;
        self.add(
            "redirect-loop",
            Behaviour::RedirectLoop,
            "/a",
            error("redirects in a loop"),
        )
        .await;
    }

    async fn slow_and_broken_bodies(&mut self) {
        let body = Arc::new(listing(&["Dripped story"], "").into_bytes());
        let drip = Behaviour::Drip(body);
        self.add("drip", drip, "/news/", error("did not finish within 3s"))
            .await;
        let hang = Expect::Error(hang_errors());
        self.add("hang", Behaviour::HangAfterHeaders, "/news/", hang)
            .await;
        let titles = ["Reset story one", "Reset story two", "Reset story three"];
        let body = Arc::new(listing(&titles, "").into_bytes());
        let reset = Behaviour::ResetMidBody(body);
        self.add("reset", reset, "/news/", error("cannot read the body of"))
            .await;
        // The whole listing arrives, but less than the Content-Length said:
        // storing its items would store a page refeed never fully read.
        let titles = ["Truncated story one", "Truncated story two"];
        let body = Arc::new(listing(&titles, "").into_bytes());
        let truncated = Behaviour::Truncated(body);
        self.add(
            "truncated",
            truncated,
            "/news/",
            error("cannot read the body of"),
        )
        .await;
    }

    async fn oversized(&mut self) {
        let bomb = Fixed::ok("text/html; charset=utf-8", pages::gzip_bomb().to_vec())
            .header("Content-Encoding: gzip");
        let cap = error("larger than 2097152 bytes");
        self.add("gzip-bomb", Behaviour::Fixed(bomb), "/news/", cap)
            .await;
        // 100 MiB of NULs: the binary check sees it before the cap does.
        let zeros = Fixed::ok("text/html; charset=utf-8", pages::gzip_zero_bomb().to_vec())
            .header("Content-Encoding: gzip");
        let binary = error("but its body is binary");
        self.add("gzip-bomb-zeros", Behaviour::Fixed(zeros), "/news/", binary)
            .await;
        for (id, declared) in [("huge-chunked", false), ("huge-declared", true)] {
            let huge = Behaviour::Huge {
                bytes: 50 * 1024 * 1024,
                declared,
            };
            self.add(id, huge, "/news/", error("larger than")).await;
        }
    }

    async fn wrong_content(&mut self) {
        let binary = Behaviour::Fixed(Fixed::ok("text/html", pages::binary()));
        self.add("binary", binary, "/news/", error("but its body is binary"))
            .await;
        let pdf = Behaviour::Fixed(Fixed::ok("application/pdf", pages::pdf()));
        self.add("pdf", pdf, "/report.pdf", error("not a web page or feed"))
            .await;
        let titles = [
            "Unclosed tags everywhere",
            "Stray end tags ignored",
            "Bad nesting recovered",
        ];
        let html = pages::malformed(&titles).into_bytes();
        let malformed = Behaviour::Fixed(Fixed::ok("text/html; charset=utf-8", html));
        let recovered = Expect::Items(titles.to_vec());
        self.add("malformed-html", malformed, "/news/", recovered)
            .await;

        let feed = Fixed::ok(
            "application/rss+xml; charset=utf-8",
            pages::broken_feed().into(),
        );
        let host = Host::start(Behaviour::Fixed(feed)).await;
        let url = host.url("/feed/");
        let expect = error(&format!("cannot read {url} as a feed"));
        self.cases.push(Case {
            id: "broken-feed",
            url,
            listing: false,
            ignore_robots: false,
            expect,
        });
        self.hosts.push((vec!["broken-feed"], host));
    }

    async fn charsets(&mut self) {
        for (id, content_type, body, titles) in charset_pages() {
            let page = Behaviour::Fixed(Fixed::ok(content_type, body));
            self.add(id, page, "/news/", Expect::Items(titles)).await;
        }
    }

    /// One host whose robots.txt disallows `/private/`: a source respecting it
    /// fails naming the rule; the same page with `respect_robots = false` is
    /// stored.
    async fn robots(&mut self) {
        let titles = vec!["Robots ignored story"];
        let page = Fixed::ok("text/html", listing(&titles, "").into_bytes());
        let robots = "User-agent: *\nDisallow: /private/\n";
        let host = Host::start_with_robots(Behaviour::Fixed(page), Some(robots)).await;
        let disallowed = format!("robots.txt of {} disallows /private/news/", host.origin());
        self.cases.push(Case::listing(
            "robots",
            &host,
            "/private/news/",
            error(&disallowed),
        ));
        let mut ignored = Case::listing(
            "robots-ignored",
            &host,
            "/private/news/",
            Expect::Items(titles),
        );
        ignored.ignore_robots = true;
        self.cases.push(ignored);
        self.hosts.push((vec!["robots", "robots-ignored"], host));
    }
}

/// Listing pages whose bytes are not what their headers say, or are in a
/// legacy charset: (id, Content-Type, body, titles as they must come out).
fn charset_pages() -> Vec<(&'static str, &'static str, Vec<u8>, Vec<&'static str>)> {
    let lie_latin1 = vec![
        "Café culture returns to Zürich",
        "“Curly quotes” are not mojibake",
        "Crème brûlée wins the bake-off",
    ];
    let lie_utf8 = vec![
        "Zürich café reopens",
        "“Smart quotes” from a CMS",
        "Señora Muñoz’s garden",
    ];
    let cp1252 = vec![
        "Coffee costs €5 — “too much”, says Zoë",
        "Œuvres complètes… at last",
    ];
    let latin1 = vec![
        "Smörgåsbord à la française",
        "Straße in Köln gesperrt",
        "Año nuevo en Peñíscola",
    ];
    let sjis_meta = vec!["東京で新しい図書館が開館", "大阪の天気は晴れのち曇り"];
    let sjis_header = vec!["ソフトウェア更新のお知らせ", "京都の紅葉が見頃に"];
    let sjis_declared =
        "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">";
    vec![
        // Declared ISO-8859-1 in the header, but the bytes are UTF-8.
        (
            "charset-lie-latin1",
            "text/html; charset=iso-8859-1",
            listing(&lie_latin1, "").into_bytes(),
            lie_latin1,
        ),
        // Declared UTF-8 in the header, but the bytes are windows-1252.
        (
            "charset-lie-utf8",
            "text/html; charset=utf-8",
            pages::windows_1252(&lie_utf8, ""),
            lie_utf8,
        ),
        (
            "charset-cp1252",
            "text/html; charset=windows-1252",
            pages::windows_1252(&cp1252, ""),
            cp1252,
        ),
        // Latin-1 text is the same bytes in windows-1252; declared only by <meta>.
        (
            "charset-latin1-meta",
            "text/html",
            encode(
                &listing(&latin1, "<meta charset=\"ISO-8859-1\">"),
                WINDOWS_1252,
            ),
            latin1,
        ),
        (
            "charset-sjis-meta",
            "text/html",
            pages::shift_jis(&sjis_meta, sjis_declared),
            sjis_meta,
        ),
        (
            "charset-sjis-header",
            "text/html; charset=Shift_JIS",
            pages::shift_jis(&sjis_header, ""),
            sjis_header,
        ),
    ]
}
