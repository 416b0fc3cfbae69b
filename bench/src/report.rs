//! The report: rows of a markdown table (figure, ceiling, ratio or note)
//! and the flat JSON object written to `report.json`.

use std::path::Path;

use anyhow::Result;
use serde_json::{Map, Value};

/// Collected figures.
#[derive(Default)]
pub struct Report {
    rows: Vec<[String; 4]>,
    keys: Map<String, Value>,
    meta: Map<String, Value>,
}

impl Report {
    /// A table row: what, measured, ceiling, ratio or note.
    pub fn row(
        &mut self,
        what: impl Into<String>,
        measured: impl Into<String>,
        ceiling: impl Into<String>,
        note: impl Into<String>,
    ) {
        self.rows
            .push([what.into(), measured.into(), ceiling.into(), note.into()]);
    }

    /// A report key (null when it could not be measured).
    pub fn set(&mut self, key: &str, value: Value) {
        self.keys.insert(key.to_string(), value);
    }

    /// A key's value as a number.
    pub fn get_f64(&self, key: &str) -> Option<f64> {
        self.keys.get(key)?.as_f64()
    }

    /// Run facts (machine, command), under `"run"`.
    pub fn meta(&mut self, key: &str, value: Value) {
        self.meta.insert(key.to_string(), value);
    }

    /// The markdown table.
    pub fn table(&self) -> String {
        let mut s = String::from(
            "| figure | measured | ceiling (same run) | ratio / note |\n|---|---|---|---|\n",
        );
        for r in &self.rows {
            s.push_str(&format!("| {} | {} | {} | {} |\n", r[0], r[1], r[2], r[3]));
        }
        s
    }

    /// Print the table and write `out`.
    pub fn finish(mut self, out: &Path) -> Result<()> {
        println!("{}", self.table());
        let mut obj = std::mem::take(&mut self.keys);
        obj.insert("run".into(), Value::Object(std::mem::take(&mut self.meta)));
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(out, serde_json::to_string_pretty(&Value::Object(obj))?)?;
        eprintln!("bench: wrote {}", out.display());
        Ok(())
    }
}
