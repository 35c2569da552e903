//! The bodies the hostile hosts send: listing pages in the fixture outlet's
//! tag-archive markup (what `SourceToml::listing`'s selectors expect), the
//! same page in other charsets, malformed markup, an ill-formed feed, binary
//! bytes and a gzip bomb.

use std::io::Write;
use std::sync::OnceLock;

use encoding_rs::{Encoding, SHIFT_JIS, UTF_8, WINDOWS_1252};

/// How far a gzip bomb expands: 100 MiB.
pub const BOMB_EXPANDED: usize = 100 * 1024 * 1024;

/// One article of a tag archive, as WordPress's Twenty Twenty theme writes it.
fn article(n: usize, title: &str) -> String {
    format!(
        r#"<article class="post type-post status-publish hentry" id="post-{n}">
	<header class="entry-header">
		<h2 class="entry-title heading-size-1"><a href="/news/{n}/">{title}</a></h2>
		<ul class="post-meta">
			<li class="post-author"><span class="author vcard"><a href="/author/staff/">Staff</a></span></li>
			<li class="post-date"><time class="entry-date published" datetime="2024-05-{day:02}T09:00:00+00:00">May {day}, 2024</time></li>
		</ul>
	</header>
	<div class="entry-content entry-summary"><p>Summary of story {n}.</p></div>
</article>
"#,
        day = n % 28 + 1
    )
}

/// A tag-archive page listing `titles`; `meta` goes first in `<head>` (a
/// `<meta charset>` declaration, or nothing).
pub fn listing(titles: &[&str], meta: &str) -> String {
    let articles: String = titles
        .iter()
        .enumerate()
        .map(|(i, title)| article(i + 1, title))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n{meta}\n<title>Tag archive</title>\n\
         </head>\n<body class=\"archive tag\">\n<main id=\"site-content\">\n{articles}</main>\n\
         </body>\n</html>\n"
    )
}

/// `text` in `encoding`, asserting every character could be encoded (an
/// unmappable one would become an HTML character reference and hide a
/// decoding bug).
pub fn encode(text: &str, encoding: &'static Encoding) -> Vec<u8> {
    if encoding == UTF_8 {
        return text.as_bytes().to_vec();
    }
    let (bytes, used, unmappable) = encoding.encode(text);
    assert_eq!(used, encoding, "encoding_rs encodes {encoding:?} as itself");
    assert!(!unmappable, "not all of {text:?} fits {}", encoding.name());
    bytes.into_owned()
}

/// A listing of `titles` encoded as windows-1252.
pub fn windows_1252(titles: &[&str], meta: &str) -> Vec<u8> {
    encode(&listing(titles, meta), WINDOWS_1252)
}

/// A listing of `titles` encoded as Shift_JIS.
pub fn shift_jis(titles: &[&str], meta: &str) -> Vec<u8> {
    encode(&listing(titles, meta), SHIFT_JIS)
}

/// A listing whose markup is broken the ways real themes break it (unclosed
/// `<div>`s and `<li>`s, stray end tags, misnested inline elements, an
/// unquoted attribute, a missing `</article>`) but whose items are all
/// there: an HTML parser recovers them.
pub fn malformed(titles: &[&str; 3]) -> String {
    format!(
        r#"<html><head><title>Broken theme</title>
<body class=archive>
<div id="page"><div class="wrap">
</span></td>
<article id=post-1>
	<h2 class=entry-title><a href="/news/1/">{}</a>
	<div class="entry-summary"><p>First <b><i>badly</b> nested</i> summary
	<ul class=post-meta><li>Staff<li><time datetime="2024-05-01T09:00:00Z">May 1</time>
</article>
</div></div></div></p>
<article id="post-2">
	<h2 class="entry-title"><a href=/news/2/>{}</a></h2>
	<div class="entry-summary"><p>Second summary<p>and an unclosed paragraph
</article>
<article id="post-3">
	<h2 class="entry-title"><a href="/news/3/">{}</a></h2></h3>
	<div class="entry-summary"><table><tr><td>Third summary</div></td>
</body></html></html>
"#,
        titles[0], titles[1], titles[2]
    )
}

/// An RSS document that is not well-formed XML: a bare `&`, an `<item>`
/// closed by the wrong end tag, and the document cut off before `</rss>`.
pub fn broken_feed() -> String {
    concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<rss version=\"2.0\"><channel><title>Broken & proud</title>\n",
        "<link>http://outlet.example/</link><description>x</description>\n",
        "<item><title>First broken item</title><link>http://outlet.example/1</link></itme>\n",
        "<item><title>Second broken item</title><link>http://outlet.example/2</link>\n",
        "</channel>\n",
    )
    .to_owned()
}

/// A PNG's first bytes followed by bytes that no text has (NULs, control
/// characters, invalid UTF-8): binary, whatever its label says.
pub fn binary() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0\0\0\x01\0\x08\x06\0\0\0".to_vec();
    let mut state: u32 = 0x2545_f491;
    for _ in 0..4096 {
        // xorshift32: repeatable noise, a third of it NULs.
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        bytes.push(if state.is_multiple_of(3) {
            0
        } else {
            state as u8
        });
    }
    bytes
}

/// The start of a PDF.
pub fn pdf() -> Vec<u8> {
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n".to_vec()
}

/// A gzip bomb that expands to HTML: a page head, then [`BOMB_EXPANDED`]
/// spaces (about 470 KB on the wire), built once. Text, so that only the
/// body cap can stop it.
pub fn gzip_bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        gzip_repeated(
            b"<!DOCTYPE html><html><head><title>Bomb</title></head><body>",
            b' ',
        )
    })
}

/// The classic gzip bomb: [`BOMB_EXPANDED`] zero bytes, built once.
pub fn gzip_zero_bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| gzip_repeated(b"", 0))
}

/// `prefix` then [`BOMB_EXPANDED`] copies of `byte`, gzip-compressed.
fn gzip_repeated(prefix: &[u8], byte: u8) -> Vec<u8> {
    // Level 1: in a debug build level 9 takes seconds longer for a smaller
    // file, and the size on the wire does not matter here.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(prefix).expect("compress");
    let block = vec![byte; 1024 * 1024];
    for _ in 0..BOMB_EXPANDED / block.len() {
        encoder.write_all(&block).expect("compress");
    }
    encoder.finish().expect("finish gzip")
}
