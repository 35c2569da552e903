//! robots.txt (RFC 9309): fetched once per origin, kept for
//! [`ROBOTS_MAX_AGE`](super::ROBOTS_MAX_AGE), consulted before every request
//! of a source that respects it.
//!
//! This module decides what an answer means; `cache` keeps the rules per
//! origin (and hands them to the store across restarts). Neither makes a
//! request: the client passes a `fetch` closure that GETs the robots.txt
//! URL and reports a [`RobotsAnswer`]. Matching is `texting_robots`'
//! (longest match wins, an `Allow` wins a tie, the `*` group applies when
//! no group names refeed).

mod cache;

use std::time::Duration;

use texting_robots::Robot;
use tokio::time::Instant;
use url::{Position, Url};

pub use cache::RobotsCache;

use super::Cause;

/// How long a 5xx answer (read as "disallow all") is kept: an outlet whose
/// server hiccupped once is asked again after this, not locked out for the
/// robots.txt lifetime of a day.
pub const SERVER_ERROR_MAX_AGE: Duration = Duration::from_secs(10 * 60);

/// How long an unreachable robots.txt (read as "disallow all") is kept.
/// Not caching it at all would make every request of a refresh (a listing
/// and its 20 articles) wait out its own connect timeout on robots.txt
/// before failing the same way; a minute shares that one failure within a
/// refresh while the next scheduled run asks again.
pub const UNREACHABLE_MAX_AGE: Duration = Duration::from_secs(60);

/// The part of a robots.txt body that is parsed. RFC 9309 §2.5 requires
/// crawlers to parse at least 500 KiB; a hostile outlet's 10 MB robots.txt
/// should not cost more than that.
pub const ROBOTS_PARSE_LIMIT: usize = 512 * 1024;

/// How fetching an origin's robots.txt went, as the client reports it.
#[derive(Debug, Clone)]
pub enum RobotsAnswer {
    /// 2xx with this body.
    Body(Vec<u8>),
    /// Any other final status (after redirects).
    Status(u16),
    /// No answer (connection refused, timeout, DNS), and why.
    Unreachable(Cause),
    /// Not asked: the host wants to be left alone for now (`Retry-After`,
    /// received for this request or an earlier one). Says nothing about the
    /// file, so it is not cached: the next request after the wait asks.
    Deferred,
}

/// The rules of one origin, parsed.
#[derive(Debug)]
pub struct Rules {
    /// The origin, e.g. `http://127.0.0.2:8080`, for the messages.
    origin: String,
    verdict: Verdict,
    /// When the cache asks for the file again (set by the cache), to tell
    /// people how long a refusal holds.
    expires: Option<Instant>,
}

/// Why [`Rules::check`] does not let a URL be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// The robots.txt (or its 5xx status) disallows it: the message names
    /// the file, when it is asked again and `respect_robots = false`.
    Disallowed(String),
    /// The robots.txt request got no answer, for this cause: the failure is
    /// the host's, not robots.txt's, and is reported as such.
    Unreachable(Cause),
}

/// What the answer to the robots.txt request means (RFC 9309 §2.3.1).
#[derive(Debug)]
enum Verdict {
    /// A parsed robots.txt.
    Parsed(Robot),
    /// No usable robots.txt (4xx, unresolved redirect, unparsable): no
    /// restrictions.
    AllowAll,
    /// 5xx, or 429: the site may be in trouble or overloaded; stay away.
    ServerError(u16),
    /// Not reachable: treated like a server error. Why, when known.
    Unreachable(Option<Cause>),
}

impl Rules {
    /// The rules `answer` gives for `origin` (as written in messages, e.g.
    /// `http://host:8080`) and the crawler whose User-Agent is `agent`:
    /// RFC 9309 §2.3.1. A body is parsed for the agent (an unparsable one
    /// allows everything); 4xx and other unresolved statuses allow
    /// everything; 5xx and no answer disallow everything. 429 Too Many
    /// Requests counts as a server error, not as "no robots.txt" (as
    /// Google's crawler reads it): an outlet rate-limiting refeed for a
    /// minute must not open every path it disallows for a day.
    pub fn from_answer(origin: &str, agent: &str, answer: &RobotsAnswer) -> Self {
        let verdict = match answer {
            RobotsAnswer::Body(body) => Robot::new(product_token(agent), parse_prefix(body))
                .map_or(Verdict::AllowAll, Verdict::Parsed),
            RobotsAnswer::Status(status @ (429 | 500..=599)) => Verdict::ServerError(*status),
            RobotsAnswer::Status(_) => Verdict::AllowAll,
            RobotsAnswer::Unreachable(why) => Verdict::Unreachable(Some(why.clone())),
            RobotsAnswer::Deferred => Verdict::Unreachable(None),
        };
        Self {
            origin: origin.to_owned(),
            verdict,
            expires: None,
        }
    }

    /// Whether a robots.txt was read and parsed: only then is a refusal
    /// the site's word (for the robots-refusal metric) rather than an
    /// unreachable or failing host.
    pub fn was_read(&self) -> bool {
        matches!(self.verdict, Verdict::Parsed(_))
    }

    /// `Ok` when refeed may fetch `url`; else why not. A refusal reads
    /// "robots.txt of http://host disallows /path; asked again in 24h;
    /// ..." or "robots.txt of http://host answered HTTP 503, which RFC 9309
    /// reads as disallow all; ..."; no answer at all is
    /// [`Denial::Unreachable`], for the caller to report as the host's
    /// failure.
    pub fn check(&self, url: &Url) -> Result<(), Denial> {
        let origin = &self.origin;
        let refusal = match &self.verdict {
            Verdict::AllowAll => return Ok(()),
            Verdict::Parsed(robot) if robot.allowed(url.as_str()) => return Ok(()),
            Verdict::Parsed(_) => {
                let path = &url[Position::BeforePath..Position::AfterQuery];
                format!("robots.txt of {origin} disallows {path}")
            }
            Verdict::ServerError(status) => format!(
                "robots.txt of {origin} answered HTTP {status}, \
                 which RFC 9309 reads as disallow all"
            ),
            // The cause first: a host that refuses connections is down, and
            // saying so matters more than what RFC 9309 makes of it.
            Verdict::Unreachable(Some(cause)) => return Err(Denial::Unreachable(cause.clone())),
            Verdict::Unreachable(None) => format!(
                "robots.txt of {origin} could not be fetched, \
                 which RFC 9309 reads as disallow all"
            ),
        };
        Err(Denial::Disallowed(format!("{refusal}{}", self.remedy())))
    }

    /// "; asked again in 24h; set respect_robots = false ...": how long
    /// the refusal holds and how to stop asking, for the message.
    fn remedy(&self) -> String {
        let again = self
            .expires
            .map(|at| at.saturating_duration_since(Instant::now()))
            .map(|left| format!("; refeed asks for it again in {}", round_up(left)))
            .unwrap_or_default();
        format!(
            "{again}; with the outlet's permission, set respect_robots = false \
             on the source to skip robots.txt"
        )
    }

    /// Notes when the cache asks for the file again.
    fn set_expiry(&mut self, expires: Instant) {
        self.expires = Some(expires);
    }

    /// The `Crawl-delay` for refeed's agent, if any (a negative or
    /// unrepresentable value counts as none).
    pub fn crawl_delay(&self) -> Option<Duration> {
        match &self.verdict {
            Verdict::Parsed(robot) => Duration::try_from_secs_f32(robot.delay?).ok(),
            _ => None,
        }
    }

    /// How long these rules may be cached, at most `max_age`.
    fn lifetime(&self, max_age: Duration) -> Duration {
        match self.verdict {
            Verdict::Parsed(_) | Verdict::AllowAll => max_age,
            Verdict::ServerError(_) => max_age.min(SERVER_ERROR_MAX_AGE),
            Verdict::Unreachable(_) => max_age.min(UNREACHABLE_MAX_AGE),
        }
    }
}

/// A wait as people read it, rounded up to the minute: "24h", "1h 30m",
/// "10m" (at least "1m").
fn round_up(left: Duration) -> String {
    let minutes = left.as_secs().div_ceil(60).max(1);
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h {m}m"),
    }
}

/// The robots.txt product token of a User-Agent: `refeed` for
/// `refeed/0.1.0 (+https://…)`. RFC 9309 §2.2.1 matches groups against the
/// product token, while `texting_robots` compares the whole string it is
/// given, so passing the full User-Agent would never match `User-agent:
/// refeed` and fall back to `*`.
fn product_token(agent: &str) -> &str {
    agent
        .split(|c: char| c == '/' || c.is_whitespace())
        .next()
        .unwrap_or(agent)
}

/// The first [`ROBOTS_PARSE_LIMIT`] bytes of `body`, cut after the last
/// complete line so that a rule is never half read.
fn parse_prefix(body: &[u8]) -> &[u8] {
    if body.len() <= ROBOTS_PARSE_LIMIT {
        return body;
    }
    let head = &body[..ROBOTS_PARSE_LIMIT];
    match head.iter().rposition(|&b| b == b'\n') {
        Some(end) => &head[..=end],
        None => &[],
    }
}

/// `/robots.txt` at `url`'s origin, without credentials, query or fragment
/// (RFC 9309 §2.3).
pub(crate) fn robots_url(url: &Url) -> Url {
    let mut robots = url.clone();
    robots.set_path("/robots.txt");
    robots.set_query(None);
    robots.set_fragment(None);
    // Both fail only for URLs that cannot carry credentials at all.
    let _ = robots.set_username("");
    let _ = robots.set_password(None);
    robots
}

#[cfg(test)]
mod tests {
    use super::*;

    /// refeed's User-Agent as the client sends it.
    pub(super) const AGENT: &str = "refeed/0.1.0 (+https://github.com/refeed/refeed)";
    /// The robots.txt lifetime (RFC 9309's day).
    pub(super) const DAY: Duration = Duration::from_secs(24 * 3600);

    pub(super) fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    /// The end of every refusal without an expiry.
    const SKIP: &str = "; with the outlet's permission, set respect_robots = false \
                        on the source to skip robots.txt";

    fn rules(answer: RobotsAnswer) -> Rules {
        Rules::from_answer("http://a.test", AGENT, &answer)
    }

    pub(super) fn body(text: &str) -> RobotsAnswer {
        RobotsAnswer::Body(text.as_bytes().to_vec())
    }

    #[test]
    fn disallow_for_everyone_applies_to_refeed() {
        let rules = rules(body("User-agent: *\nDisallow: /private\n"));
        assert_eq!(
            rules.check(&url("http://a.test/private/x?id=1")),
            Err(Denial::Disallowed(format!(
                "robots.txt of http://a.test disallows /private/x?id=1{SKIP}"
            )))
        );
        assert_eq!(rules.check(&url("http://a.test/news/1")), Ok(()));
        assert_eq!(rules.check(&url("http://a.test/robots.txt")), Ok(()));
    }

    #[test]
    fn a_refeed_group_overrides_the_star_group() {
        let text = "User-agent: *\nDisallow: /\n\n\
                    User-agent: Refeed\nDisallow: /admin\nCrawl-delay: 2.5\n";
        let rules = rules(body(text));
        assert_eq!(rules.check(&url("http://a.test/news/1")), Ok(()));
        assert!(rules.check(&url("http://a.test/admin")).is_err());
        assert_eq!(rules.crawl_delay(), Some(Duration::from_millis(2500)));
        // Another crawler falls under `*`.
        let other = Rules::from_answer("http://a.test", "otherbot/1.0", &body(text));
        assert!(other.check(&url("http://a.test/news/1")).is_err());
        assert_eq!(other.crawl_delay(), None);
    }

    #[test]
    fn client_errors_and_unparsable_bodies_allow_everything() {
        for answer in [
            RobotsAnswer::Status(404),
            RobotsAnswer::Status(401),
            RobotsAnswer::Status(310),
            body("\u{0}\u{1}<html>not robots</html>"),
        ] {
            assert_eq!(rules(answer).check(&url("http://a.test/x")), Ok(()));
        }
    }

    #[test]
    fn server_errors_and_silence_disallow_everything() {
        assert_eq!(
            rules(RobotsAnswer::Status(503)).check(&url("http://a.test/x")),
            Err(Denial::Disallowed(format!(
                "robots.txt of http://a.test answered HTTP 503, \
                 which RFC 9309 reads as disallow all{SKIP}"
            )))
        );
        // No answer is the host's failure, passed on as its cause.
        assert_eq!(
            rules(RobotsAnswer::Unreachable(Cause::Refused)).check(&url("http://a.test/x")),
            Err(Denial::Unreachable(Cause::Refused))
        );
    }

    #[test]
    fn too_many_requests_disallows_briefly_like_a_server_error() {
        // A 4xx, but not "no robots.txt": a rate-limited crawler must not
        // take every disallowed path as open for a day.
        let limited = rules(RobotsAnswer::Status(429));
        let Err(Denial::Disallowed(err)) = limited.check(&url("http://a.test/x")) else {
            panic!("429 must disallow");
        };
        assert!(err.contains("answered HTTP 429"), "{err}");
        assert_eq!(limited.lifetime(DAY), SERVER_ERROR_MAX_AGE);
    }

    #[test]
    fn failures_are_cached_briefly() {
        assert_eq!(rules(body("")).lifetime(DAY), DAY);
        assert_eq!(rules(RobotsAnswer::Status(404)).lifetime(DAY), DAY);
        assert_eq!(
            rules(RobotsAnswer::Status(500)).lifetime(DAY),
            SERVER_ERROR_MAX_AGE
        );
        assert_eq!(
            rules(RobotsAnswer::Unreachable(Cause::Refused)).lifetime(DAY),
            UNREACHABLE_MAX_AGE
        );
        let tiny = Duration::from_secs(5);
        assert_eq!(rules(RobotsAnswer::Status(500)).lifetime(tiny), tiny);
    }

    #[test]
    fn a_refusal_says_when_robots_txt_is_asked_again_and_how_to_skip_it() {
        let mut rules = rules(body("User-agent: *\nDisallow: /\n"));
        rules.set_expiry(Instant::now() + DAY - Duration::from_millis(5));
        let Err(Denial::Disallowed(message)) = rules.check(&url("http://a.test/feed")) else {
            panic!("disallowed");
        };
        assert_eq!(
            message,
            format!(
                "robots.txt of http://a.test disallows /feed; \
                 refeed asks for it again in 24h{SKIP}"
            )
        );
    }

    #[test]
    fn waits_are_rounded_up_to_the_minute() {
        let cases = [
            (0, "1m"),
            (1, "1m"),
            (600, "10m"),
            (601, "11m"),
            (3600, "1h"),
            (5400, "1h 30m"),
            (86_399, "24h"),
        ];
        for (seconds, expected) in cases {
            assert_eq!(round_up(Duration::from_secs(seconds)), expected);
        }
    }

    #[test]
    fn a_huge_body_is_parsed_up_to_the_limit_at_a_line_end() {
        let mut text = "User-agent: *\nDisallow: /a\n".to_string();
        while text.len() <= ROBOTS_PARSE_LIMIT {
            text.push_str("# filler\n");
        }
        text.push_str("Disallow: /b\n");
        let rules = rules(body(&text));
        assert!(rules.check(&url("http://a.test/a")).is_err());
        assert_eq!(rules.check(&url("http://a.test/b")), Ok(()));
        let prefix = parse_prefix(text.as_bytes());
        assert!(prefix.len() <= ROBOTS_PARSE_LIMIT && prefix.ends_with(b"\n"));
    }

    #[test]
    fn the_robots_url_is_at_the_origin_root() {
        let got = robots_url(&url("https://u:p@a.test:8443/news/x?id=1#top"));
        assert_eq!(got.as_str(), "https://a.test:8443/robots.txt");
    }
}
