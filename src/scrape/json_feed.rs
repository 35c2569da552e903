//! JSON Feed 1.0/1.1 input. PLACEHOLDER (helper replaces).
