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
