//! The stale-source warning (issue 5): when an outlet's markup changes under
//! a source's selectors, the refresh still "succeeds", with nothing. refeed
//! notices and says so in the log, in `refeed status` and as one entry in
//! the source's own feed, and takes the entry back once the source recovers.

use crate::outlet::Outlet;
use crate::support::{SourceToml, TestEnv};

const LISTING: &str = "/tag/bolivia/";

/// The title of the warning entry (see `http::status`).
const WARNING_TITLE: &str = "may be broken";

/// The entries of an Atom feed whose title contains `needle`, as
/// `(id, title)` pairs.
fn entries_titled(atom: &str, needle: &str) -> Vec<(String, String)> {
    atom.split("<entry>")
        .skip(1)
        .filter_map(|entry| {
            let id = between(entry, "<id>", "</id>")?;
            let title = between(entry, "<title", "</title>")?;
            title
                .contains(needle)
                .then(|| (id.to_owned(), title.to_owned()))
        })
        .collect()
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = from + text[from..].find(end)?;
    Some(&text[from..to])
}

/// The tag archive with its items' markup renamed, as a theme change does:
/// the `article` item selector then matches nothing.
fn redesigned(listing: &str) -> String {
    listing
        .replace("<article", "<div data-was=\"article\"")
        .replace("</article>", "</div>")
}

#[tokio::test]
async fn a_listing_that_stops_yielding_items_raises_one_warning_until_it_recovers() {
    let outlet = Outlet::start().await;
    let env = TestEnv::new(
        &[SourceToml::listing("bolivia", &outlet.url(LISTING))],
        "5s",
    );
    let first = env.refeed(&["once"]).await;
    assert!(first.line("bolivia").contains("12 seen"), "{first}");
    assert!(entries_titled(&env.feed("bolivia", "atom").await, WARNING_TITLE).is_empty());

    let original = outlet.read(LISTING);
    outlet.write(LISTING, &redesigned(&original));
    // One empty page may be a maintenance page: no warning yet...
    let empty = env.refeed(&["once"]).await;
    assert!(empty.line("bolivia").contains("0 seen"), "{empty}");
    assert!(!empty.stderr.contains("stale"), "{empty}");
    assert!(entries_titled(&env.feed("bolivia", "atom").await, WARNING_TITLE).is_empty());
    // ...the second in a row is the redesign.
    let broken = env.refeed(&["once"]).await;
    assert!(broken.line("bolivia").contains("0 seen"), "{broken}");
    assert!(broken.stderr.contains("stale"), "logged:\n{broken}");

    let atom = env.feed("bolivia", "atom").await;
    let warning = entries_titled(&atom, WARNING_TITLE);
    assert_eq!(warning.len(), 1, "one warning entry:\n{atom}");
    let status = env.refeed(&["status"]).await;
    // A stale source fails `refeed status` as a monitoring check.
    assert_eq!(status.status.code(), Some(1), "{status}");
    assert!(status.stdout.contains("yielded no items"), "{status}");

    // Still broken at the next refresh: the same single entry, same id.
    env.refeed(&["once"]).await;
    let again = entries_titled(&env.feed("bolivia", "atom").await, WARNING_TITLE);
    assert_eq!(
        again, warning,
        "the entry keeps its id while the warning stands"
    );
    // The stored items were never touched by the empty refreshes.
    assert_eq!(
        atom.matches("<entry>").count(),
        13,
        "12 items + the warning"
    );

    outlet.write(LISTING, &original);
    let recovered = env.refeed(&["once"]).await;
    assert!(recovered.line("bolivia").contains("12 seen"), "{recovered}");
    let atom = env.feed("bolivia", "atom").await;
    assert!(entries_titled(&atom, WARNING_TITLE).is_empty(), "{atom}");
    let status = env.refeed(&["status"]).await;
    assert!(!status.stdout.contains("yielded no items"), "{status}");
    assert!(
        status.success(),
        "recovered: the check passes again\n{status}"
    );
}

#[tokio::test]
async fn articles_that_shrink_to_almost_nothing_raise_an_extraction_warning() {
    let outlet = Outlet::start().await;
    let env = TestEnv::new(
        &[SourceToml::listing("bolivia", &outlet.url(LISTING)).full_text()],
        "5s",
    );
    let first = env.refeed(&["once"]).await;
    assert!(first.line("bolivia").contains("12 new"), "{first}");

    // Two posts are retitled (so their pages are fetched again) and their
    // pages now hold only a consent wall, as after a botched redesign.
    let wall = "<!doctype html><html><head><title>Consent</title></head><body>\
                <div class=\"consent\"><p>We value your privacy. Accept cookies to \
                continue reading.</p><button>Accept</button></div></body></html>";
    let mut listing = outlet.read(LISTING);
    for path in [
        "/2020/10/24/movement-towards-socialism-wins-landslide-victory-in-bolivia/",
        "/2020/10/21/bolivia-is-a-beacon-of-light-for-latin-america/",
    ] {
        outlet.write(path, wall);
        let slug = path.trim_end_matches('/').rsplit('/').next().unwrap();
        assert!(listing.contains(slug), "{slug} is listed");
    }
    listing = listing
        .replacen(
            "Movement Towards Socialism Wins Landslide Victory In Bolivia</a></h2>",
            "Movement Towards Socialism Wins Landslide Victory (Updated)</a></h2>",
            1,
        )
        .replacen(
            "Bolivia Is A beacon Of Light For Latin America</a></h2>",
            "Bolivia Is A Beacon Of Light For Latin America (Updated)</a></h2>",
            1,
        );
    outlet.write(LISTING, &listing);
    let thin = env.refeed(&["once"]).await;
    assert!(thin.line("bolivia").contains("2 updated"), "{thin}");

    let atom = env.feed("bolivia", "atom").await;
    let warning = entries_titled(&atom, WARNING_TITLE);
    assert_eq!(warning.len(), 1, "{atom}");
    let status = env.refeed(&["status"]).await;
    assert!(status.stdout.contains("almost no text"), "{status}");
    assert_eq!(status.status.code(), Some(1), "{status}");
}
