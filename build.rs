//! Build script: `sqlx::migrate!` embeds `migrations/sqlite/` and
//! `migrations/postgres/` at compile time (cargo rescans the folder
//! recursively), so a
//! new or edited migration must trigger a rebuild (cargo does not know the
//! macro reads that folder).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
