//! What a reader of a served feed checks, item by item: the right posts,
//! canonical ids, absolute links, the dates and authors the outlet gave
//! (listing first, article metadata second, else first seen), the article
//! text, and none of the page's junk.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use crate::fixture::{Post, junk_in};
use crate::support::BASE_URL;

/// What one source's feed must hold.
pub struct Expect<'a> {
    /// Source id (feed URLs, messages).
    pub source: &'a str,
    /// The fixture outlet's origin.
    pub origin: String,
    /// The posts the feed must hold, any order.
    pub posts: Vec<&'a Post>,
    /// Whether article bodies must be present.
    pub full_text: bool,
    /// Items without any date were first seen after this.
    pub first_seen_after: DateTime<Utc>,
}

impl Expect<'_> {
    fn post(&self, title: &str) -> &Post {
        self.posts
            .iter()
            .find(|p| p.title == title)
            .unwrap_or_else(|| {
                panic!(
                    "{}: unexpected item {title:?}; expected one of {:#?}",
                    self.source,
                    self.posts.iter().map(|p| p.title).collect::<Vec<_>>()
                )
            })
    }

    /// The item's id in every format: its canonical URL (no `utm_*`).
    fn canonical(&self, post: &Post) -> String {
        format!("{}{}", self.origin, post.path)
    }

    fn check_date(&self, post: &Post, got: DateTime<Utc>) {
        match post.expected_date() {
            Some(want) => assert_eq!(got, want, "{}: date of {:?}", self.source, post.title),
            None => {
                let earliest = self.first_seen_after - Duration::seconds(1);
                let latest = Utc::now() + Duration::seconds(1);
                assert!(
                    earliest <= got && got <= latest,
                    "{}: undated {:?} must carry its first-seen time ({earliest} ..= {latest}), got {got}",
                    self.source,
                    post.title
                );
            }
        }
    }

    fn check_link(&self, post: &Post, link: &str) {
        assert!(
            link.starts_with(&self.canonical(post)),
            "{}: link of {:?} is not the absolute article URL: {link}",
            self.source,
            post.title
        );
    }

    fn check_summary(&self, post: &Post, summary: &str) {
        assert!(
            summary.contains(post.summary),
            "{}: summary of {:?} lacks the teaser text {:?}:\n{summary}",
            self.source,
            post.title,
            post.summary
        );
    }

    fn check_content(&self, post: &Post, content: Option<&str>) {
        if !self.full_text {
            return;
        }
        let content = content
            .unwrap_or_else(|| panic!("{}: {:?} has no article content", self.source, post.title));
        for text in [post.summary, post.body] {
            assert!(
                content.contains(text),
                "{}: article of {:?} lacks {text:?}:\n{content}",
                self.source,
                post.title
            );
        }
        // The fixture's articles have a relative image and a relative link.
        let image = format!("src=\"{}/wp-content/uploads/", self.origin);
        assert!(
            content.contains(&image),
            "{}: article of {:?} has no absolute image ({image}):\n{content}",
            self.source,
            post.title
        );
        for relative in ["src=\"/", "href=\"/", "href=\"../"] {
            assert!(
                !content.contains(relative),
                "{}: article of {:?} keeps a relative URL ({relative}):\n{content}",
                self.source,
                post.title
            );
        }
    }

    fn check_clean(&self, post: &Post, parts: &[&str]) {
        let junk = junk_in(&parts.join("\n"));
        assert!(
            junk.is_empty(),
            "{}: {:?} carries page junk {junk:?}:\n{}",
            self.source,
            post.title,
            parts.join("\n---\n")
        );
    }
}

/// Checks an RSS document served for a source.
pub fn rss(text: &str, expect: &Expect) {
    let channel = crate::support::parse_rss(text);
    let titles: Vec<&str> = channel.items().iter().filter_map(|i| i.title()).collect();
    assert_eq!(
        channel.items().len(),
        expect.posts.len(),
        "{}: item count; got {titles:#?}",
        expect.source
    );
    assert_eq!(
        self_link_rss(&channel).as_deref(),
        Some(format!("{BASE_URL}/feeds/{}.rss", expect.source).as_str()),
        "{}: atom:link rel=self",
        expect.source
    );
    let mut guids = HashSet::new();
    let mut dates = Vec::new();
    for item in channel.items() {
        let post = expect.post(item.title().expect("item title"));
        let guid = item.guid().expect("guid");
        assert_eq!(
            guid.value(),
            expect.canonical(post),
            "{}: guid",
            expect.source
        );
        assert!(
            guid.is_permalink(),
            "{}: guid is the permalink",
            expect.source
        );
        assert!(
            guids.insert(guid.value().to_owned()),
            "duplicate guid {}",
            guid.value()
        );
        expect.check_link(post, item.link().expect("item link"));
        let date = rfc2822(item.pub_date().expect("pubDate"));
        expect.check_date(post, date);
        dates.push(date);
        if let Some(author) = post.expected_author() {
            let creators = item
                .dublin_core_ext()
                .map(|dc| dc.creators())
                .unwrap_or_default();
            assert_eq!(
                creators,
                [author],
                "{}: dc:creator of {:?}",
                expect.source,
                post.title
            );
        }
        let description = item.description().unwrap_or_default();
        expect.check_summary(post, description);
        expect.check_content(post, item.content());
        expect.check_clean(
            post,
            &[
                item.title().unwrap_or_default(),
                description,
                item.content().unwrap_or_default(),
            ],
        );
    }
    newest_first(expect.source, &dates);
}

/// Checks an Atom document served for a source.
pub fn atom(text: &str, expect: &Expect) {
    let feed = crate::support::parse_atom(text);
    assert_eq!(
        feed.entries().len(),
        expect.posts.len(),
        "{}: entry count",
        expect.source
    );
    let self_url = format!("{BASE_URL}/feeds/{}.atom", expect.source);
    assert!(
        feed.links()
            .iter()
            .any(|l| l.rel() == "self" && l.href() == self_url),
        "{}: self link {self_url} missing",
        expect.source
    );
    let mut ids = HashSet::new();
    let mut dates = Vec::new();
    for entry in feed.entries() {
        let post = expect.post(entry.title().as_str());
        assert_eq!(
            entry.id(),
            expect.canonical(post),
            "{}: entry id",
            expect.source
        );
        assert!(
            ids.insert(entry.id().to_owned()),
            "duplicate id {}",
            entry.id()
        );
        let link = entry.links().first().map(|l| l.href()).unwrap_or_default();
        expect.check_link(post, link);
        let published = entry.published().expect("published").with_timezone(&Utc);
        expect.check_date(post, published);
        dates.push(published);
        if let Some(author) = post.expected_author() {
            let names: Vec<&str> = entry.authors().iter().map(|a| a.name()).collect();
            assert_eq!(
                names,
                [author],
                "{}: author of {:?}",
                expect.source,
                post.title
            );
        }
        let summary = entry.summary().map(|s| s.as_str()).unwrap_or_default();
        expect.check_summary(post, summary);
        let content = entry.content().and_then(|c| c.value());
        if expect.full_text {
            let kind = entry.content().and_then(|c| c.content_type());
            assert_eq!(kind, Some("html"), "{}: content type", expect.source);
        }
        expect.check_content(post, content);
        expect.check_clean(
            post,
            &[entry.title().as_str(), summary, content.unwrap_or_default()],
        );
    }
    newest_first(expect.source, &dates);
}

/// The `atom:link rel="self"` of an RSS channel.
pub fn self_link_rss(channel: &rss::Channel) -> Option<String> {
    channel
        .atom_ext()?
        .links()
        .iter()
        .find(|l| l.rel() == "self")
        .map(|l| l.href().to_owned())
}

/// Parses an RSS `pubDate`.
pub fn rfc2822(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc2822(text)
        .unwrap_or_else(|e| panic!("pubDate {text:?} is not RFC 822: {e}"))
        .with_timezone(&Utc)
}

/// Asserts dates never increase.
pub fn newest_first(source: &str, dates: &[DateTime<Utc>]) {
    for pair in dates.windows(2) {
        assert!(
            pair[0] >= pair[1],
            "{source}: items not newest first: {dates:#?}"
        );
    }
}
