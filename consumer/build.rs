//! Embeds every SQL file under `migrations/` into the binary, in file-name
//! order, so a new migration is a new file and nothing else.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut out = String::new();
    for set in ["pipeline", "projection"] {
        let dir = root.join(set);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .collect();
        files.sort();
        let _ = writeln!(
            out,
            "pub const {}: &[(&str, &str)] = &[",
            set.to_uppercase()
        );
        for f in files {
            let name = f
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            let path = std::fs::canonicalize(&f).unwrap_or(f);
            let _ = writeln!(
                out,
                "    ({name:?}, include_str!({:?})),",
                path.display().to_string()
            );
        }
        let _ = writeln!(out, "];");
    }
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("migrations.rs");
    std::fs::write(dest, out).expect("writing migrations.rs");
}
