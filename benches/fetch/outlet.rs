//! The fixture outlet: one WordPress-like site per host, generated from a
//! seed so that nothing big is committed and every run serves the same bytes.
//!
//! Each site is a tag archive (`/tag/bench/`, 20 teasers marked up like the
//! Twenty Twenty theme in `tests/fixtures/outlet/tag/bolivia/`), its article
//! pages (`/YYYY/MM/DD/slug/`, ~20–30 KB each: head with Open Graph and
//! Yoast JSON-LD, navigation, article body with an in-article donation box,
//! share bar, related posts, comments, sidebar, pop-up and footer, like
//! `tests/fixtures/outlet/2020/`) and a WordPress `robots.txt`. Text differs
//! per site and per article, so no source's pages look like another's.
//!
//! Pages are rendered and gzipped once, before any pass is timed: the server
//! then only copies bytes and does not compete with refeed for the CPU.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;

use axum::body::Bytes;
use chrono::{DateTime, Duration, TimeZone, Utc};

/// One servable resource with its validators.
pub struct Page {
    /// The body gzipped (what a WordPress host behind nginx sends to a
    /// client that accepts gzip). Only this is kept: 10,000 sources' pages
    /// as generated would take 5 GB; the body as generated is unzipped
    /// again for a client that does not accept gzip ([`Page::identity`]).
    pub gzip: Bytes,
    /// Length of the body as generated.
    pub identity_len: usize,
    /// Strong ETag of `identity`.
    pub etag: String,
    /// Strong ETag of `gzip` (a different representation needs its own).
    pub etag_gzip: String,
    /// Last modification, whole seconds.
    pub modified: DateTime<Utc>,
    /// `Content-Type` header value.
    pub content_type: &'static str,
}

/// The pages of one host, by path.
pub struct Site {
    /// Path → page.
    pub pages: HashMap<String, Page>,
}

/// Path of the tag archive every source reads.
pub const LISTING_PATH: &str = "/tag/bench/";

/// `robots.txt` as WordPress writes it: everything refeed reads is allowed.
const ROBOTS: &str = "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\n\
                      Sitemap: /wp-sitemap.xml\n";

/// One generated story.
struct Story {
    title: String,
    path: String,
    author: &'static str,
    published: DateTime<Utc>,
    paragraphs: Vec<String>,
}

/// Generates the `index`-th site, served at `origin` (`http://127.0.0.N:PORT`)
/// under `prefix` (`""`, or `/sINDEX` when sites share a host), with
/// `items` stories. Pages are keyed by their path, prefix included.
pub fn site(index: usize, origin: &str, prefix: &str, items: usize) -> Site {
    let stories: Vec<Story> = (0..items)
        .map(|k| {
            let mut story = story(index, k);
            story.path.insert_str(0, prefix);
            story
        })
        .collect();
    let mut pages = HashMap::with_capacity(items + 2);
    let html = "text/html; charset=UTF-8";
    let newest = stories.first().map_or_else(Utc::now, |s| s.published);
    let listing_path = format!("{prefix}{LISTING_PATH}");
    let body = listing(origin, &listing_path, &stories);
    pages.insert(listing_path, page(body, newest, html));
    for (k, s) in stories.iter().enumerate() {
        let body = article(origin, &stories, k);
        pages.insert(s.path.clone(), page(body, s.published, html));
    }
    let robots = page(ROBOTS.to_owned(), epoch(), "text/plain; charset=utf-8");
    pages.insert("/robots.txt".to_owned(), robots);
    Site { pages }
}

fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
}

fn page(body: String, modified: DateTime<Utc>, content_type: &'static str) -> Page {
    let hash = fnv1a(body.as_bytes());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(5));
    gz.write_all(body.as_bytes()).expect("gzip to memory");
    Page {
        gzip: Bytes::from(gz.finish().expect("gzip to memory")),
        identity_len: body.len(),
        etag: format!("\"{hash:016x}\""),
        etag_gzip: format!("\"{hash:016x}-gzip\""),
        modified,
        content_type,
    }
}

impl Page {
    /// The body as generated.
    pub fn identity(&self) -> Bytes {
        let mut body = Vec::with_capacity(self.identity_len);
        let mut gz = flate2::read::GzDecoder::new(&self.gzip[..]);
        std::io::Read::read_to_end(&mut gz, &mut body).expect("gunzip from memory");
        Bytes::from(body)
    }
}

/// FNV-1a: a stable content hash for ETags (any change changes the tag).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn story(index: usize, k: usize) -> Story {
    let mut rng = fastrand::Rng::with_seed((index as u64) << 20 | k as u64);
    let hours = (k as i64) * 7 + rng.i64(0..5) + (index as i64 % 13);
    let published = Utc.with_ymd_and_hms(2024, 6, 1, 9, 0, 0).unwrap() - Duration::hours(hours);
    let title = headline(&mut rng);
    let slug: String = title
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-");
    let path = format!("{}{slug}-{k}/", published.format("/%Y/%m/%d/"));
    let paragraphs = (0..rng.usize(10..17))
        .map(|_| paragraph(&mut rng))
        .collect();
    Story {
        title,
        path,
        author: NAMES[rng.usize(..NAMES.len())],
        published,
        paragraphs,
    }
}

const WORDS: &[&str] = &[
    "council",
    "budget",
    "transit",
    "water",
    "farmers",
    "union",
    "election",
    "vote",
    "report",
    "rent",
    "workers",
    "port",
    "strike",
    "court",
    "ruling",
    "minister",
    "protest",
    "harvest",
    "river",
    "city",
    "school",
    "teachers",
    "hospital",
    "nurses",
    "energy",
    "prices",
    "market",
    "bridge",
    "road",
    "the",
    "a",
    "of",
    "and",
    "to",
    "in",
    "on",
    "for",
    "with",
    "after",
    "before",
    "during",
    "against",
    "while",
    "said",
    "announced",
    "warned",
    "demanded",
    "rejected",
    "approved",
    "residents",
    "families",
    "community",
    "organizers",
    "officials",
    "government",
    "company",
    "contract",
    "wages",
    "pension",
    "housing",
    "tenants",
    "landlords",
    "mine",
    "lithium",
    "copper",
    "drought",
    "flood",
    "forest",
    "indigenous",
    "movement",
    "march",
    "assembly",
    "delegates",
    "congress",
    "senate",
    "mayor",
    "governor",
    "police",
    "journalists",
    "reporters",
    "newspaper",
    "radio",
    "broadcast",
    "interview",
    "statement",
    "agreement",
    "negotiations",
    "talks",
    "deadline",
    "months",
    "years",
    "weeks",
    "thousands",
    "hundreds",
    "dozens",
    "percent",
    "million",
    "new",
    "local",
    "national",
    "regional",
    "public",
    "private",
    "independent",
    "federal",
    "provincial",
    "historic",
    "peaceful",
    "urgent",
    "early",
    "late",
    "long",
    "short",
    "first",
    "last",
    "next",
    "again",
    "still",
    "already",
    "never",
    "also",
    "only",
    "more",
    "less",
    "many",
    "several",
    "their",
    "its",
    "this",
    "that",
    "these",
    "those",
    "was",
    "were",
    "has",
    "have",
    "had",
    "will",
    "would",
    "could",
    "should",
    "must",
    "may",
    "cooperative",
    "clinic",
    "vaccine",
    "students",
    "university",
    "fees",
    "tariff",
    "exports",
    "imports",
    "debt",
    "loan",
    "bank",
    "fund",
    "audit",
    "inquiry",
    "evidence",
    "witness",
    "judge",
    "appeal",
    "sentence",
    "release",
    "detention",
    "border",
    "migrants",
    "asylum",
    "coalition",
    "campaign",
    "petition",
    "signatures",
    "referendum",
];

const NAMES: &[&str] = &[
    "Ana Quispe",
    "Rosa Flores",
    "Luis Mamani",
    "Carmen Rojas",
    "Jorge Vargas",
    "Elena Choque",
    "Miguel Torres",
    "Lucia Condori",
    "Pedro Gutierrez",
    "Sofia Ramos",
    "Diego Apaza",
    "Marta Huanca",
];

const PLACES: &[&str] = &[
    "La Paz",
    "El Alto",
    "Cochabamba",
    "Santa Cruz",
    "Oruro",
    "Potosi",
    "Sucre",
    "Tarija",
    "Beni",
    "Pando",
    "Chapare",
    "Yungas",
];

fn headline(rng: &mut fastrand::Rng) -> String {
    let mut words: Vec<String> = (0..rng.usize(5..10))
        .map(|_| capitalize(WORDS[rng.usize(..WORDS.len())]))
        .collect();
    let place = PLACES[rng.usize(..PLACES.len())];
    words.insert(rng.usize(..words.len()), place.replace(' ', "-"));
    words.join(" ")
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

fn paragraph(rng: &mut fastrand::Rng) -> String {
    let mut out = String::with_capacity(700);
    for i in 0..rng.usize(3..7) {
        if i > 0 {
            out.push(' ');
        }
        sentence(rng, &mut out);
    }
    out
}

fn sentence(rng: &mut fastrand::Rng, out: &mut String) {
    let len = rng.usize(8..26);
    for i in 0..len {
        let word = match rng.usize(..14) {
            0 => PLACES[rng.usize(..PLACES.len())],
            1 => NAMES[rng.usize(..NAMES.len())],
            _ => WORDS[rng.usize(..WORDS.len())],
        };
        if i == 0 {
            out.push_str(&capitalize(word));
        } else {
            out.push(' ');
            out.push_str(word);
        }
        if i + 1 < len && rng.usize(..11) == 0 {
            out.push(',');
        }
    }
    out.push(if rng.usize(..12) == 0 { '?' } else { '.' });
}

/// Everything from the doctype to `<body>`, shared by both page kinds.
fn head(out: &mut String, origin: &str, title: &str, canonical: &str, extra: &str) {
    write!(
        out,
        r##"<!DOCTYPE html>
<html class="no-js" lang="en-US">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0" >
<link rel="profile" href="https://gmpg.org/xfn/11">
<link rel="alternate" type="application/rss+xml" title="Bench Outlet &raquo; Feed" href="{origin}/feed/" />
<link rel='stylesheet' id='twentytwenty-style-css'  href='{origin}/wp-content/themes/twentytwenty/style.css?ver=1.5' media='all' />
<style id='twentytwenty-style-inline-css'>
.color-accent,.color-accent-hover:hover,.has-accent-color{{color:#cd2653}}.x7f-box,.x9q2{{border:2px solid #cd2653;padding:1rem}}
.pum-overlay{{position:fixed;top:0;left:0;width:100%;height:100%;z-index:1999999999}}
</style>
<script src='{origin}/wp-includes/js/jquery/jquery.js?ver=1.12.4-wp' id='jquery-core-js'></script>
<script>
window._wpemojiSettings = {{"baseUrl":"https:\/\/s.w.org\/images\/core\/emoji\/13.0.0\/72x72\/","ext":".png"}};
!function(e,a,t){{var n,r,o,i=a.createElement("canvas");/* emoji loader */}}(window,document,window._wpemojiSettings);
</script>
<title>{title} - Bench Outlet</title>
<link rel="canonical" href="{origin}{canonical}" />
{extra}</head>
"##
    )
    .unwrap();
}

const SITE_HEADER: &str = r##"<script>document.documentElement.className = document.documentElement.className.replace( 'no-js', 'js' );</script>
<a class="skip-link screen-reader-text" href="#site-content">Skip to the content</a>
<header id="site-header" class="header-footer-group" role="banner">
	<div class="header-inner section-inner">
		<div class="header-titles-wrapper">
			<div class="header-titles">
				<div class="site-title faux-heading"><a href="/">Bench Outlet</a></div>
				<div class="site-description">Daily Movement News and Resources</div>
			</div>
			<button class="toggle nav-toggle mobile-nav-toggle" data-toggle-target=".menu-modal" onclick="document.body.classList.toggle('showing-menu-modal')" aria-expanded="false">
				<span class="toggle-inner"><span class="toggle-icon">&#9776;</span><span class="toggle-text">Menu</span></span>
			</button>
		</div>
		<div class="header-navigation-wrapper">
			<nav class="primary-menu-wrapper" aria-label="Horizontal" role="navigation">
				<ul class="primary-menu reset-list-style">
					<li id="menu-item-10" class="menu-item current-menu-item"><a href="/">Home</a></li>
					<li id="menu-item-11" class="menu-item"><a href="/category/news/">News</a></li>
					<li id="menu-item-12" class="menu-item"><a href="/category/campaigns/">Campaigns</a></li>
					<li id="menu-item-13" class="menu-item"><a href="/about/">About</a></li>
					<li id="menu-item-14" class="menu-item"><a href="/donate/">Donate</a></li>
				</ul>
			</nav>
		</div>
	</div>
</header>
"##;

const APPEAL: &str = "<p>Online donations are back! Keep independent media alive.</p>\n<p>Due to \
    the attacks on our fiscal sponsor, we were unable to raise funds online for nearly two years. \
    As the bills pile up, your help is needed now to cover the monthly costs of operating this \
    outlet.</p>";

const DIGEST: &str = "Independent media outlets are being suppressed and dropped by corporations \
    like Google, Facebook and Twitter. Sign up for our daily email digest before it’s too late so \
    you don’t miss the latest movement news.";

/// Sidebar, pop-up and footer, shared by both page kinds.
fn site_footer(out: &mut String, stories: &[Story]) {
    write!(
        out,
        r##"<aside class="sidebar widget-area" role="complementary">
	<div class="widget widget_text"><div class="widget-content">
		<h2 class="widget-title subheading heading-size-3">Urgent End Of Year Fundraising Campaign</h2>
		<div class="textwidget">{APPEAL}
		<p><a class="wp-block-button__link" href="/donate/">Donate Now</a></p></div>
	</div></div>
	<div class="widget widget_mc4wp_form_widget"><div class="widget-content">
		<h2 class="widget-title subheading heading-size-3">Sign Up To Our Daily Digest</h2>
		<p>{DIGEST}</p>
		<form id="mc4wp-form-1" class="mc4wp-form" method="post" action="https://newsletter.example/subscribe">
			<input type="email" name="EMAIL" placeholder="Your email address" required />
			<input type="submit" value="Sign up" />
		</form>
	</div></div>
	<div class="widget widget_recent_entries"><div class="widget-content">
		<h2 class="widget-title subheading heading-size-3">Recent Posts</h2>
		<ul>
"##
    )
    .unwrap();
    for s in stories.iter().take(5) {
        writeln!(out, "\t\t\t<li><a href=\"{}\">{}</a></li>", s.path, s.title).unwrap();
    }
    write!(
        out,
        r##"		</ul>
	</div></div>
</aside>

<div id="pum-77" class="pum pum-overlay x9q2" data-popmake='{{"id":77,"slug":"year-end"}}' role="dialog" aria-modal="false">
	<div class="pum-container popmake theme-66">
		<div class="pum-content popmake-content">
			<h3 class="x9q2-title">Urgent End Of Year Fundraising Campaign</h3>
			{APPEAL}
			<p><a href="/donate/" class="x9q2-cta" onclick="pum.close(77);">Give now</a></p>
		</div>
		<button type="button" class="pum-close popmake-close" aria-label="Close">&times;</button>
	</div>
</div>

<footer id="site-footer" role="contentinfo" class="header-footer-group">
	<div class="section-inner">
		<nav aria-label="Footer" class="footer-menu-wrapper">
			<ul class="footer-menu reset-list-style">
				<li class="menu-item"><a href="/privacy-policy/">Privacy Policy</a></li>
				<li class="menu-item"><a href="/contact/">Contact</a></li>
			</ul>
		</nav>
		<div class="footer-credits">
			<p class="footer-copyright">&copy; 2024 <a href="/">Bench Outlet</a></p>
			<p class="powered-by-wordpress"><a href="https://wordpress.org/">Powered by WordPress</a></p>
		</div>
		<a class="to-the-top" href="#site-header" onclick="window.scrollTo(0,0);return false;">To the top &uarr;</a>
	</div>
</footer>
<script src='/wp-content/themes/twentytwenty/assets/js/index.js?ver=1.5' id='twentytwenty-js-js'></script>
<script src='https://stats.wp.com/e-202422.js' async='async' defer='defer'></script>
<script>_stq = window._stq || []; _stq.push([ 'view', {{v:'ext',j:'1:9.0.2',blog:'123456',post:'0'}} ]);</script>
</body>
</html>
"##
    )
    .unwrap();
}

/// The tag archive: one `<article>` teaser per story, newest first.
fn listing(origin: &str, path: &str, stories: &[Story]) -> String {
    let mut out = String::with_capacity(48 * 1024);
    head(&mut out, origin, "Bench Archives", path, "");
    out.push_str("<body class=\"archive tag tag-bench wp-embed-responsive\">\n");
    out.push_str(SITE_HEADER);
    out.push_str(
        "\n<main id=\"site-content\" role=\"main\">\n\t<header class=\"archive-header \
         has-text-align-center header-footer-group\">\n\t\t<h1 class=\"archive-title\"><span \
         class=\"color-accent\">Tag:</span> <span>Bench</span></h1>\n\t</header>\n",
    );
    for (k, s) in stories.iter().enumerate() {
        teaser(&mut out, origin, s, k);
    }
    out.push_str(
        "\t<div class=\"pagination-wrapper section-inner\"><nav class=\"navigation pagination\" \
         aria-label=\"Posts\"><div class=\"nav-links\"><span aria-current=\"page\" \
         class=\"page-numbers current\">1</span> <a class=\"next page-numbers\" \
         href=\"/tag/bench/page/2/\">Older Posts</a></div></nav></div>\n</main>\n\n",
    );
    site_footer(&mut out, stories);
    out
}

fn teaser(out: &mut String, origin: &str, s: &Story, k: usize) {
    // Like the fixture archive, some links are absolute and some relative.
    let href = if k.is_multiple_of(3) {
        format!("{origin}{}", s.path)
    } else {
        s.path.clone()
    };
    let summary = s.paragraphs[0].as_str();
    write!(
        out,
        r##"
<article class="post-{id} post type-post status-publish format-standard has-post-thumbnail hentry category-news tag-bench" id="post-{id}">
	<header class="entry-header has-text-align-center">
		<div class="entry-categories"><span class="screen-reader-text">Categories</span><div class="entry-categories-inner"><a href="/category/news/" rel="category tag">News</a></div></div>
		<h2 class="entry-title heading-size-1"><a href="{href}">{title}</a></h2>
		<div class="post-meta-wrapper post-meta-single post-meta-single-top">
			<ul class="post-meta">
				<li class="post-author meta-wrapper"><span class="meta-text">By <span class="author vcard"><a class="url fn n" href="/author/{k}/">{author}</a></span></span></li>
				<li class="post-date meta-wrapper"><span class="meta-text"><a href="{href}"><time class="entry-date published" datetime="{iso}">{human}</time></a></span></li>
			</ul>
		</div>
	</header>
	<figure class="featured-media"><a href="{href}"><img width="1200" height="675" src="/wp-content/uploads/{k}-1200x675.jpg" class="attachment-post-thumbnail size-post-thumbnail wp-post-image" alt="" loading="lazy" /></a></figure>
	<div class="post-inner thin">
		<div class="entry-content entry-summary">
			<p>{summary}</p>
			<p><a href="{href}" class="more-link">Continue reading <span class="screen-reader-text">{title}</span></a></p>
		</div>
	</div>
	<div class="share-buttons">
		<a class="share-fb" href="https://www.facebook.com/sharer/sharer.php?u={origin}{path}" onclick="window.open(this.href,'share','width=600,height=400');return false;">Facebook</a>
		<a class="share-tw" href="https://twitter.com/intent/tweet?url={origin}{path}">Tweet</a>
	</div>
</article>
"##,
        id = 90000 + k,
        title = s.title,
        author = s.author,
        iso = s.published.to_rfc3339(),
        human = s.published.format("%B %-d, %Y"),
        path = s.path,
    )
    .unwrap();
}

/// The `k`-th story's page.
fn article(origin: &str, stories: &[Story], k: usize) -> String {
    let s = &stories[k];
    let mut out = String::with_capacity(32 * 1024);
    head(
        &mut out,
        origin,
        &s.title,
        &s.path,
        &article_meta(origin, s),
    );
    writeln!(
        out,
        "<body class=\"post-template-default single single-post postid-{} \
         single-format-standard\">",
        90000 + k
    )
    .unwrap();
    out.push_str(SITE_HEADER);
    article_body(&mut out, origin, stories, k);
    site_footer(&mut out, stories);
    out
}

/// Open Graph tags and the Yoast JSON-LD graph of a story.
fn article_meta(origin: &str, s: &Story) -> String {
    let iso = s.published.to_rfc3339();
    let (url, title, author) = (format!("{origin}{}", s.path), &s.title, s.author);
    format!(
        r##"<meta property="og:locale" content="en_US" />
<meta property="og:type" content="article" />
<meta property="og:title" content="{title}" />
<meta property="og:url" content="{url}" />
<meta property="og:site_name" content="Bench Outlet" />
<meta property="article:published_time" content="{iso}" />
<script type="application/ld+json" class="yoast-schema-graph">{{"@context": "https://schema.org", "@graph": [{{"@type": "Organization", "@id": "{origin}/#organization", "name": "Bench Outlet", "url": "{origin}/"}}, {{"@type": "WebPage", "@id": "{url}#webpage", "url": "{url}", "name": "{title} - Bench Outlet", "datePublished": "{iso}", "dateModified": "{iso}"}}, {{"@type": "Article", "@id": "{url}#article", "headline": "{title}", "datePublished": "{iso}", "dateModified": "{iso}", "mainEntityOfPage": {{"@id": "{url}#webpage"}}, "publisher": {{"@id": "{origin}/#organization"}}, "keywords": "Bench", "articleSection": "News", "inLanguage": "en-US", "author": {{"@type": "Person", "name": "{author}"}}}}]}}</script>
"##
    )
}

fn article_body(out: &mut String, origin: &str, stories: &[Story], k: usize) {
    let s = &stories[k];
    write!(
        out,
        r##"
<main id="site-content" role="main">
<article class="post-{id} post type-post status-publish format-standard has-post-thumbnail hentry category-news tag-bench" id="post-{id}">
	<header class="entry-header has-text-align-center header-footer-group">
		<div class="entry-header-inner section-inner medium">
			<div class="entry-categories"><span class="screen-reader-text">Categories</span><div class="entry-categories-inner"><a href="/category/news/" rel="category tag">News</a></div></div>
			<h1 class="entry-title">{title}</h1>
			<div class="post-meta-wrapper post-meta-single post-meta-single-top"><div class="post-meta">
				<span class="byline">by <a class="url fn n" href="/author/{k}/">{author}</a></span>
				<div class="post-date">Published: <time datetime="{iso}">{human}</time></div>
			</div></div>
		</div>
	</header>
	<div class="post-inner thin">
		<div class="entry-content">
"##,
        id = 90000 + k,
        title = s.title,
        author = s.author,
        iso = s.published.to_rfc3339(),
        human = s.published.format("%B %-d, %Y"),
    )
    .unwrap();
    for (i, p) in s.paragraphs.iter().enumerate() {
        writeln!(out, "<p>{p}</p>").unwrap();
        if i == 1 {
            write!(out, "<div class=\"x7f-box\" id=\"x7f-{k}\">\n<h3>Urgent End Of Year Fundraising Campaign</h3>\n{APPEAL}\n<p><a class=\"x7f-cta\" href=\"/donate/\">Donate</a></p>\n</div>\n").unwrap();
        }
        if i == 3 {
            writeln!(out, "<figure class=\"wp-block-image size-large\"><img loading=\"lazy\" width=\"1024\" height=\"576\" src=\"/wp-content/uploads/{k}.jpg\" alt=\"{}\" /><figcaption>Photo via <a href=\"/photo-credits/\">Bench Outlet</a>.</figcaption></figure>", s.title).unwrap();
        }
    }
    writeln!(out, "<div class=\"newsletter-inline\"><h4>Sign Up To Our Daily Digest</h4><p>{DIGEST}</p><form class=\"mc4wp-form\" method=\"post\" action=\"https://newsletter.example/subscribe\"><input type=\"email\" name=\"EMAIL\" /><input type=\"submit\" value=\"Sign up\" /></form></div>").unwrap();
    share_bar(out, origin, s);
    related(out, stories, k);
    write!(
        out,
        r##"		</div>
	</div>
	<div class="section-inner"><div class="post-meta-wrapper post-meta-single post-meta-single-bottom"><ul class="post-meta"><li class="post-tags meta-wrapper"><span class="meta-text"><a href="/tag/bench/" rel="tag">Bench</a></span></li></ul></div></div>
	<div class="comments-wrapper section-inner" id="comments">
		<div id="respond" class="comment-respond"><h2 id="reply-title" class="comment-reply-title">Leave a Reply</h2>
		<form action="/wp-comments-post.php" method="post" id="commentform" novalidate><p class="comment-notes">Your email address will not be published. Required fields are marked *</p><p class="comment-form-comment"><label for="comment">Comment</label> <textarea id="comment" name="comment" cols="45" rows="8" required></textarea></p><p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="Post Comment" /></p></form></div>
	</div>
</article>
</main>

"##
    )
    .unwrap();
}

fn share_bar(out: &mut String, origin: &str, s: &Story) {
    out.push_str("<div class=\"sharedaddy sd-sharing-enabled\"><div class=\"robots-nocontent sd-block sd-social sd-sharing\"><h3 class=\"sd-title\">Share this:</h3><div class=\"sd-content\"><ul>");
    for net in ["twitter", "facebook", "telegram", "email"] {
        write!(out, "<li class=\"share-{net}\"><a rel=\"nofollow noopener noreferrer\" class=\"share-{net} sd-button share-icon\" href=\"{origin}{}?share={net}\" target=\"_blank\" title=\"Click to share on {net}\"><span>{net}</span></a></li>", s.path).unwrap();
    }
    out.push_str("<li class=\"share-end\"></li></ul></div></div></div>\n");
}

fn related(out: &mut String, stories: &[Story], k: usize) {
    out.push_str("<div id='jp-relatedposts' class='jp-relatedposts' >\n\t<h3 class=\"jp-relatedposts-headline\"><em>Related</em></h3>\n\t<div class=\"jp-relatedposts-items jp-relatedposts-items-visual jp-relatedposts-grid\">\n");
    for r in (1..=3).map(|d| &stories[(k + d) % stories.len()]) {
        let excerpt: String = r.paragraphs[0].chars().take(140).collect();
        writeln!(out, "\t\t<div class=\"jp-relatedposts-post\"><h4 class=\"jp-relatedposts-post-title\"><a class=\"jp-relatedposts-post-a\" href=\"{}\" title=\"{}\" rel=\"nofollow\">{}</a></h4><p class=\"jp-relatedposts-post-excerpt\">{excerpt}&hellip;</p><p class=\"jp-relatedposts-post-date\">{}</p><p class=\"jp-relatedposts-post-context\">In &quot;News&quot;</p></div>", r.path, r.title, r.title, r.published.format("%B %-d, %Y")).unwrap();
    }
    out.push_str("\t</div>\n</div>\n");
}
