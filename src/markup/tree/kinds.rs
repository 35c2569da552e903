//! What each HTML element name does to the stack of open elements, as bit
//! flags: the classes that stop end tags and implied ends (each with its own
//! stack of positions in `Tree`), and how its start and end tags behave.

// Classes of open elements that stop an end tag or an implied end from
// reaching an element below them. Each has a stack of the positions of the
// open elements in it (`Tree::classes`).
/// HTML's "special" elements (stop "any other end tag"), plus `select`.
pub(super) const SPECIAL: u32 = 1 << 0;
/// Boundaries of "has an element in scope", plus `select`.
pub(super) const SCOPE: u32 = 1 << 1;
/// Added to the scope for `p` ("in button scope").
pub(super) const BUTTON: u32 = 1 << 2;
/// Added to the scope for `li` ("in list item scope").
pub(super) const LIST: u32 = 1 << 3;
/// Boundaries of "in table scope".
pub(super) const TABLE_SCOPE: u32 = 1 << 4;
/// Stops `<li>`, `<dd>`, `<dt>` from closing an open one: special elements
/// but `address`, `div` and `p`.
pub(super) const LI_STOP: u32 = 1 << 5;
/// `select` itself.
pub(super) const SELECT: u32 = 1 << 6;
pub(super) const CLASSES: usize = 7;

// What a name does (HTML namespace).
pub(super) const VOID: u32 = 1 << 8;
pub(super) const FORMATTING: u32 = 1 << 9;
/// Pushes a marker on the active formatting elements.
pub(super) const MARKER: u32 = 1 << 10;
pub(super) const CLOSES_P: u32 = 1 << 11;
pub(super) const HEADING: u32 = 1 << 12;
/// An end tag that pops to its element unless a scope boundary is above.
pub(super) const END_IN_SCOPE: u32 = 1 << 13;
/// An end tag that pops to its element unless a table boundary is above.
pub(super) const END_IN_TABLE: u32 = 1 << 14;
/// An end tag that pops nothing (`</body>`, `</html>`, `</form>`, `</br>`).
pub(super) const END_IGNORED: u32 = 1 << 15;
/// A start tag that opens nothing (`html`, `head`, `body` merge into the
/// ones the parser made).
pub(super) const NO_PUSH: u32 = 1 << 16;
/// Raw text or RCDATA follows (in HTML content).
pub(super) const RAW: u32 = 1 << 17;
pub(super) const PLAINTEXT: u32 = 1 << 18;
/// Leaves SVG/MathML content.
pub(super) const BREAKOUT: u32 = 1 << 19;
/// `svg` and `math`.
pub(super) const FOREIGN_ROOT: u32 = 1 << 20;

/// The flags of an HTML element name (lower case).
pub(super) fn kind(name: &[u8]) -> u32 {
    const SP: u32 = SPECIAL | LI_STOP;
    match name {
        b"address" => SPECIAL | CLOSES_P | END_IN_SCOPE,
        b"div" | b"p" => SPECIAL | CLOSES_P | END_IN_SCOPE | BREAKOUT,
        b"article" | b"aside" | b"details" | b"dialog" | b"fieldset" | b"figcaption"
        | b"figure" | b"footer" | b"header" | b"hgroup" | b"main" | b"nav" | b"search"
        | b"section" | b"summary" => SP | CLOSES_P | END_IN_SCOPE,
        b"blockquote" | b"center" | b"dl" | b"menu" | b"pre" | b"listing" => {
            SP | CLOSES_P | END_IN_SCOPE | BREAKOUT
        }
        b"dir" => SP | CLOSES_P | END_IN_SCOPE,
        b"ol" | b"ul" => SP | CLOSES_P | END_IN_SCOPE | LIST | BREAKOUT,
        b"li" => SP | CLOSES_P | BREAKOUT,
        b"dd" | b"dt" => SP | CLOSES_P | BREAKOUT | END_IN_SCOPE,
        b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" => {
            SP | CLOSES_P | HEADING | END_IN_SCOPE | BREAKOUT
        }
        b"form" => SP | CLOSES_P | END_IGNORED,
        b"button" => SP | BUTTON | END_IN_SCOPE,
        b"applet" | b"marquee" | b"object" => SP | SCOPE | MARKER | END_IN_SCOPE,
        b"caption" | b"td" | b"th" => SP | SCOPE | MARKER | END_IN_TABLE,
        b"template" => SP | SCOPE | TABLE_SCOPE | MARKER | END_IN_TABLE,
        b"table" => SP | SCOPE | TABLE_SCOPE | END_IN_TABLE | BREAKOUT,
        b"tbody" | b"thead" | b"tfoot" | b"tr" => SP | END_IN_TABLE,
        b"colgroup" | b"frameset" => SP,
        b"html" => SP | SCOPE | TABLE_SCOPE | NO_PUSH | END_IGNORED,
        b"body" | b"head" => SP | NO_PUSH | END_IGNORED | BREAKOUT,
        b"select" => SP | SCOPE | SELECT | END_IN_SCOPE,
        b"xmp" => SP | RAW | CLOSES_P,
        b"script" | b"style" | b"iframe" | b"noembed" | b"noframes" | b"noscript" | b"textarea"
        | b"title" => SP | RAW,
        b"plaintext" => SP | PLAINTEXT | CLOSES_P,
        b"br" => VOID | END_IGNORED | BREAKOUT,
        b"hr" => VOID | CLOSES_P | BREAKOUT,
        b"embed" | b"img" | b"meta" => VOID | BREAKOUT,
        b"area" | b"base" | b"basefont" | b"bgsound" | b"col" | b"frame" | b"image" | b"input"
        | b"keygen" | b"link" | b"param" | b"source" | b"track" | b"wbr" => VOID,
        b"b" | b"big" | b"code" | b"em" | b"i" | b"nobr" | b"s" | b"small" | b"strike"
        | b"strong" | b"tt" | b"u" => FORMATTING | BREAKOUT,
        b"a" | b"font" => FORMATTING,
        b"ruby" | b"span" | b"sub" | b"sup" | b"var" => BREAKOUT,
        b"svg" | b"math" => FOREIGN_ROOT,
        _ => 0,
    }
}

/// The index in `Tree::classes` of a one-bit class flag.
pub(super) fn class(flag: u32) -> usize {
    flag.trailing_zeros() as usize
}
