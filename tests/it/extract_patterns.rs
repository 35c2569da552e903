//! Golden files for the failure patterns of older blog and news layouts
//! (issue 11), with the rule of `extract.rs`: every expected paragraph
//! kept, none of the listed boilerplate, at most one paragraph more.

use crate::extract::golden;

/// A photo post: one line of text, then pictures whose `wp-caption`
/// captions are the story (they hold most of its text).
#[tokio::test]
async fn golden_photo_story() {
    golden(
        "photo_story",
        &[
            "Ines Carvalho</a>",
            "Posted by",
            "Ferry timetable changes",
            "Council votes on the harbor wall",
            "© 2026",
        ],
    )
    .await;
}

/// Typepad / Movable Type: the comment thread sits in the post's own
/// container after a "5 Comments" heading, each comment a bare `div#c…`,
/// together much longer than the post.
#[tokio::test]
async fn golden_inline_comments() {
    golden(
        "inline_comments",
        &[
            "5 Comments",
            "mohair cowl",
            "Seed stitch edges are the best trick",
            "Posted by: Marta",
            "Skein Notes is written by",
            "Older post",
        ],
    )
    .await;
}

/// A news body split in two `div.article_body > article` blocks around a
/// side rail: the winner is its wrapper's only child, so the wrapper's
/// siblings are the other part of the story.
#[tokio::test]
async fn golden_split_body() {
    golden(
        "split_body",
        &[
            "Gallery: the old port",
            "Ferry fares rise again",
            "Nora Quist",
            "Share",
            "Most popular",
            "© 2026",
        ],
    )
    .await;
}

/// Blogger: a one-sentence post beside an "About" text widget in the
/// sidebar that scores nearly as well; the widget must not drag the root
/// up to the page column (where the post's own `widget Blog` box would
/// be pruned as a widget).
#[tokio::test]
async fn golden_blog_sidebar_about() {
    golden(
        "blog_sidebar_about",
        &[
            "weekend woodworking journal",
            "Blog Archive",
            "Older Post",
            "Post Comments (Atom)",
            "skip to sidebar",
        ],
    )
    .await;
}

/// Typepad: the comment form's boxes (preview, confirmation, captcha) are
/// in every page, hidden by Typepad's own `hiddenBox` class; the captcha
/// box's sentences outscore a post made of short link items.
#[tokio::test]
async fn golden_typepad_hidden_boxes() {
    golden(
        "typepad_hidden_boxes",
        &[
            "letters and numbers",
            "final step before posting",
            "automated programs",
            "This is only a preview",
            "Recent Posts",
            "Faster snapshots",
        ],
    )
    .await;
}

/// WordPress's classic default theme (Kubrick) and the themes built from
/// it: a short `postmetadata` line ("Posted in … | No Comments »") and the
/// theme's fixed sentence "You can follow any responses to this entry
/// through the RSS 2.0 feed…" inside the post's `div.entry`.
#[tokio::test]
async fn golden_wp_kubrick_footer() {
    golden(
        "wp_kubrick_footer",
        &[
            "Posted in",
            "No Comments",
            "follow any responses",
            "trackback",
            "Leave a Reply",
            "Waiting lists, again",
            "Archives",
            "proudly powered",
        ],
    )
    .await;
}

/// A theme's author box inside the post's content: headed "About the
/// author", with a class that only says `author_info` (a weak word) and a
/// bio too long to pass for a byline.
#[tokio::test]
async fn golden_author_box() {
    golden(
        "author_box",
        &[
            "About the author",
            "Wren Halloway",
            "edited the Tidewater Notebook",
            "View all posts",
            "Ferry fares frozen",
            "© 2026",
        ],
    )
    .await;
}

/// Movable Type / Typepad "Continue reading": the post's extended entry is
/// loose text in a `div.entry-more` after the `div.entry-body` and an
/// `<a id="more">` anchor; the body alone scores best.
#[tokio::test]
async fn golden_mt_entry_more() {
    golden(
        "mt_entry_more",
        &[
            "County hires outside firm",
            "Posted by Ines Varga",
            "TrackBack",
            "Judges named",
            "Budget hearing moved",
        ],
    )
    .await;
}

/// Two page columns with the same class (`left content`, `right content`):
/// the short right column scores enough with its `content` bonus to pass
/// for another part of the story, yet holds a newsletter box; the story
/// column opens with a ticker of other stories' links.
#[tokio::test]
async fn golden_side_columns() {
    golden(
        "side_columns",
        &[
            "NEWSLETTER SIGN UP",
            "ticket deals",
            "Choir benefit",
            "Lighting crew",
            "Advertisement",
        ],
    )
    .await;
}

/// Notes in fixed wording around a news story: a "Follow @…" button, "Like
/// us on Facebook!", the print-edition note, "Related Topics:", previous
/// and next post links, an empty comment section's "Comments (0)" and "No
/// comments yet.".
#[tokio::test]
async fn golden_newsroom_notes() {
    golden(
        "newsroom_notes",
        &[
            "Follow @PortAlderRecord",
            "Like us on Facebook",
            "A version of this article",
            "Related Topics",
            "PREVIOUS POST",
            "Council votes to repair",
            "Comments (0)",
            "No comments yet",
        ],
    )
    .await;
}

/// Blogger: a short post beside the sidebar's "About Me" `profile-container`,
/// whose comma-rich lists outscore the post.
#[tokio::test]
async fn golden_blog_profile_sidebar() {
    golden(
        "blog_profile_sidebar",
        &[
            "About Me",
            "I dislike",
            "Clients so far",
            "View my complete profile",
            "The poster nobody read",
        ],
    )
    .await;
}
