//! Site config files (Full-Text RSS / graby format).
pub mod xpath;
