//! What the fixture outlet holds (tests/fixtures/outlet/, see its README):
//! each post's title, URL path, dates, author and a sentence of its article,
//! and the page junk that must never reach a feed.

use chrono::{DateTime, Utc};

/// One post of the fixture outlet.
pub struct Post {
    /// Title as the listing shows it.
    pub title: &'static str,
    /// URL path of its article page.
    pub path: &'static str,
    /// `<time datetime>` of its teaser on the tag archive, if any.
    pub listing_date: Option<&'static str>,
    /// `datePublished` of the article's JSON-LD (and `article:published_time`), if any.
    pub meta_date: Option<&'static str>,
    /// Author on the teaser, if any.
    pub listing_author: Option<&'static str>,
    /// Author in the article's JSON-LD.
    pub meta_author: Option<&'static str>,
    /// The start of the teaser text (the listing summary).
    pub summary: &'static str,
    /// A sentence found only in the article body, past the junk.
    pub body: &'static str,
}

impl Post {
    /// The date a feed must show when the listing is read: the listing's own,
    /// else the article metadata's; `None` means "first seen".
    pub fn expected_date(&self) -> Option<DateTime<Utc>> {
        self.listing_date.or(self.meta_date).map(date)
    }

    /// The author a feed must show when the listing is read.
    pub fn expected_author(&self) -> Option<&'static str> {
        self.listing_author.or(self.meta_author)
    }
}

/// Parses an RFC 3339 date of this table.
pub fn date(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("fixture date")
        .with_timezone(&Utc)
}

/// The teasers of `/tag/bolivia/`, in page order.
pub const POSTS: [Post; 12] = [
    Post {
        title: "Movement Towards Socialism Wins Landslide Victory In Bolivia",
        path: "/2020/10/24/movement-towards-socialism-wins-landslide-victory-in-bolivia/",
        listing_date: Some("2020-10-24T09:12:05+00:00"),
        meta_date: Some("2020-10-24T05:12:05-04:00"),
        listing_author: Some("Ana Quispe"),
        meta_author: Some("Ana Quispe"),
        summary: "After 11 months of being ruled by a repressive coup-regime",
        body: "waving wiphala flags late into the night",
    },
    Post {
        // No date and no author on the teaser: both live only in the
        // article's JSON-LD (seed 004's empty "Published:" field).
        title: "Democracy Prevails in Bolivia after US-backed Government Loses Election",
        path: "/2020/10/23/democracy-prevails-in-bolivia-after-us-backed-government-loses-election/",
        listing_date: None,
        meta_date: Some("2020-10-23T14:30:00-04:00"),
        listing_author: None,
        meta_author: Some("Vins"),
        summary: "It took a full year, but in October 2020",
        body: "Faculty Evaluator: Peter Phillips (Sonoma State University)",
    },
    Post {
        title: "Media Responds With Apathy, Disappointment As Coup Government Concedes Defeat",
        path: "/2020/10/22/media-responds-with-apathy-disappointment-as-coup-government-concedes-defeat/",
        listing_date: Some("2020-10-22T08:00:41+00:00"),
        meta_date: Some("2020-10-22T04:00:41-04:00"),
        listing_author: Some("Kevin Ortiz"),
        meta_author: Some("Kevin Ortiz"),
        summary: "party is celebrating what appears to be a crushing, landslide victory",
        body: "Few of them have revisited that coverage",
    },
    Post {
        title: "Bolivia Is A beacon Of Light For Latin America",
        path: "/2020/10/21/bolivia-is-a-beacon-of-light-for-latin-america/",
        listing_date: Some("2020-10-21T10:30:00+00:00"),
        meta_date: Some("2020-10-21T06:30:00-04:00"),
        listing_author: Some("Lucía Mamani"),
        meta_author: Some("Lucía Mamani"),
        summary: "that cost more than 33 lives, left thousands of people injured",
        body: "Whether the MAS can heal those wounds",
    },
    Post {
        title: "Bolivia: People Power Prevails Over US-Backed Coup",
        path: "/2020/10/20/bolivia-people-power-prevails-over-us-backed-coup/",
        listing_date: Some("2020-10-20T12:15:00+00:00"),
        meta_date: Some("2020-10-20T08:15:00-04:00"),
        listing_author: Some("Ben Carter"),
        meta_author: Some("Ben Carter"),
        summary: "Last October following the re-election of indigenous president Evo Morales",
        body: "neighborhood councils shut down the main highways",
    },
    Post {
        // No date anywhere: not on the teaser, not in the URL, not on the page.
        title: "Bolivia Elections Live Blog",
        path: "/live/bolivia-elections-live-blog/",
        listing_date: None,
        meta_date: None,
        listing_author: None,
        meta_author: None,
        summary: "Bolivians go to the polls today, Sunday, October 18",
        body: "long lines forming well before dawn",
    },
    Post {
        title: "Bolivia Elections: All You Need To Know",
        path: "/2020/10/17/bolivia-elections-all-you-need-to-know/",
        listing_date: Some("2020-10-17T16:45:00+00:00"),
        meta_date: Some("2020-10-17T12:45:00-04:00"),
        listing_author: Some("Ana Quispe"),
        meta_author: Some("Ana Quispe"),
        summary: "According to the Supreme Electoral Tribunal, over 7.031.294 people",
        body: "Voting is compulsory for citizens over eighteen",
    },
    Post {
        title: "Bolivia: First Election Since US-Backed Coup Creates Divisions",
        path: "/2020/10/16/bolivia-first-election-since-us-backed-coup-creates-divisions/",
        listing_date: Some("2020-10-16T09:00:00+00:00"),
        meta_date: Some("2020-10-16T05:00:00-04:00"),
        listing_author: Some("Kevin Ortiz"),
        meta_author: Some("Kevin Ortiz"),
        summary: "Eleven months after a U.S-backed military coup overthrew",
        body: "without risking their lives in the streets",
    },
    Post {
        // Republished: the article's metadata keeps the original outlet's
        // date (the day before); the listing's date must win.
        title: "Bolivian Coupers Stalk International Election Observers",
        path: "/2020/10/15/bolivian-coupers-stalk-international-election-observers/",
        listing_date: Some("2020-10-15T11:20:00+00:00"),
        meta_date: Some("2020-10-14T18:00:00-04:00"),
        listing_author: Some("Rosa Flores"),
        meta_author: Some("Rosa Flores"),
        summary: "Contributors to The Grayzone including Max Blumenthal",
        body: "held for hours at the airport",
    },
    Post {
        title: "Possible Recurrence Of OAS Electoral Fraud In Bolivia",
        path: "/2020/10/14/possible-recurrence-of-oas-electoral-fraud-in-bolivia/",
        listing_date: Some("2020-10-14T13:05:00+00:00"),
        meta_date: Some("2020-10-14T09:05:00-04:00"),
        listing_author: Some("Ben Carter"),
        meta_author: Some("Ben Carter"),
        summary: "could again be threatened by the involvement of the Organization of American States",
        body: "releasing its data and methods",
    },
    Post {
        title: "Top Bolivian Coup Plotters Trained By US Military",
        path: "/2020/10/13/top-bolivian-coup-plotters-trained-by-us-military/",
        listing_date: Some("2020-10-13T10:00:00+00:00"),
        meta_date: Some("2020-10-13T06:00:00-04:00"),
        listing_author: Some("Lucía Mamani"),
        meta_author: Some("Lucía Mamani"),
        summary: "The United States played a key role in the military coup in Bolivia",
        body: "bound up with its United States counterparts",
    },
    Post {
        title: "Morales Warns About US Meddling In Upcoming Elections",
        path: "/2020/10/12/morales-warns-about-us-meddling-in-upcoming-elections/",
        listing_date: Some("2020-10-12T15:30:00+00:00"),
        meta_date: Some("2020-10-12T11:30:00-04:00"),
        listing_author: Some("Rosa Flores"),
        meta_author: Some("Rosa Flores"),
        summary: "The former head of state made the remarks in an exclusive interview",
        body: "a peaceful transfer of power",
    },
];

/// The post whose article page exists but whose teaser is not on the listing
/// until a test adds `tests/fixtures/edits/new-teaser.html`.
pub const NEW_POST: Post = Post {
    title: "What The OAS Did To Bolivia",
    path: "/2020/10/26/what-the-oas-did-to-bolivia/",
    listing_date: Some("2020-10-26T08:30:00+00:00"),
    meta_date: Some("2020-10-26T04:30:00-04:00"),
    listing_author: Some("Ana Quispe"),
    meta_author: Some("Ana Quispe"),
    summary: "Bolivia has descended into a nightmare of political repression",
    body: "cannot be separated from the international reaction",
};

/// The teaser markup the dedup test inserts into the listing.
pub const NEW_TEASER: &str = include_str!("../fixtures/edits/new-teaser.html");

/// `/feed/` carries the first five posts of [`POSTS`], with these
/// `dc:creator`s and the same dates as the listing (or metadata).
pub const FEED_ITEMS: usize = 5;

/// The channel title of the outlet's own feed.
pub const FEED_TITLE: &str = "PopularResistance.Org";

/// Text and markup of the pages' appeals, newsletter boxes, spam, share bars,
/// related posts, comments and scripts: none may appear in a served item.
pub const FORBIDDEN: &[&str] = &[
    "Urgent End Of Year Fundraising",
    "Online donations are back",
    "Daily Digest",
    "daily email digest",
    "assetto corsa",
    "spam.example",
    "Share this",
    "Click to share",
    "Related",
    "buy cheap pills",
    "Leave a Reply",
    "Post Comment",
    "appeared first on",
    "<script",
    "prAds",
    "<iframe",
    "<form",
    "<style",
    "onclick",
    "javascript:",
];

/// Every forbidden string found in `text`, plus any `on*=` event handler.
pub fn junk_in(text: &str) -> Vec<String> {
    let mut found: Vec<String> = FORBIDDEN
        .iter()
        .filter(|needle| text.contains(*needle))
        .map(|needle| needle.to_string())
        .collect();
    found.extend(event_handlers(text));
    found
}

/// `on*=` attributes inside tags of an HTML fragment.
pub fn event_handlers(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for tag in html.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        for word in tag.split_whitespace().skip(1) {
            let name = word
                .split('=')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if word.contains('=') && name.starts_with("on") && name.len() > 2 {
                found.push(word.to_owned());
            }
        }
    }
    found
}

#[test]
fn event_handlers_are_found_in_tags_only() {
    let html = r#"<p>click on=here</p><a href="/x" onclick="go()">x</a><img src="a" onerror='y'>"#;
    assert_eq!(event_handlers(html), ["onclick=\"go()\"", "onerror='y'"]);
    assert!(event_handlers("<p class=\"one\">online=yes</p>").is_empty());
}
