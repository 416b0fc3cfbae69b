//! Every example operation in `hasura/queries`, parsed (graphql-parser), its
//! root fields, fields, relationship names and the columns named in
//! `where` / `order_by` / `distinct_on` looked up in what `anonymous` sees.
//! Not a re-implementation of Hasura's type system: argument types and
//! scalar operators are not checked.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use graphql_parser::query::{
    Definition, Document, OperationDefinition, Selection, SelectionSet, Value as GqlValue,
};

use super::metadata::Metadata;
use super::surface::{GqlTable, Root, Surface};
use super::ROLE;

/// The example operations `hasura/queries` must hold.
const EXAMPLES: &[&str] = &[
    "standings.graphql",
    "scoreboard.graphql",
    "transactions.graphql",
    "draft_board.graphql",
    "league_history.graphql",
    "live_scores.graphql",
    "lineups.graphql",
    "projections.graphql",
    "player_points.graphql",
    "stat_corrections.graphql",
    "results.graphql",
    "picks.graphql",
    "all_time.graphql",
];

type Frags<'a> = BTreeMap<String, &'a SelectionSet<'a, String>>;

struct OpChecker<'a> {
    surface: &'a Surface,
    frags: Frags<'a>,
    errs: Vec<String>,
}

impl<'a> OpChecker<'a> {
    fn err(&mut self, path: &str, msg: String) {
        self.errs.push(format!("{path}: {msg}"));
    }

    fn document(&mut self, file: &str, doc: &'a Document<'a, String>) {
        for d in &doc.definitions {
            if let Definition::Fragment(f) = d {
                self.frags.insert(f.name.clone(), &f.selection_set);
            }
        }
        for d in &doc.definitions {
            let Definition::Operation(op) = d else {
                continue;
            };
            let (set, subscription, name) = match op {
                OperationDefinition::SelectionSet(s) => (s, false, None),
                OperationDefinition::Query(q) => (&q.selection_set, false, q.name.clone()),
                OperationDefinition::Subscription(s) => (&s.selection_set, true, s.name.clone()),
                OperationDefinition::Mutation(m) => {
                    self.err(
                        file,
                        format!("mutation {:?}: anonymous has no mutations", m.name),
                    );
                    continue;
                }
            };
            let path = format!("{file} {}", name.unwrap_or_default());
            self.root(&path, set, subscription);
        }
    }

    fn root(&mut self, path: &str, set: &'a SelectionSet<'a, String>, subscription: bool) {
        for item in &set.items {
            match item {
                Selection::Field(f) => {
                    if f.name == "__typename" || f.name.starts_with("__") {
                        continue;
                    }
                    let p = format!("{path} > {}", f.name);
                    let Some((table, kind)) = self.surface.roots.get(&f.name).cloned() else {
                        self.err(&p, "no such root field for anonymous".into());
                        continue;
                    };
                    if kind == Root::Stream && !subscription {
                        self.err(
                            &p,
                            "streaming root fields exist only in subscriptions".into(),
                        );
                    }
                    self.arguments(&p, &table, kind, &f.arguments);
                    match kind {
                        Root::Aggregate => self.aggregate(&p, &table, &f.selection_set),
                        _ => self.selection(&p, &table, &f.selection_set),
                    }
                }
                Selection::FragmentSpread(s) => match self.frags.get(&s.fragment_name).copied() {
                    Some(set) => self.root(path, set, subscription),
                    None => self.err(path, format!("unknown fragment {}", s.fragment_name)),
                },
                Selection::InlineFragment(i) => self.root(path, &i.selection_set, subscription),
            }
        }
    }

    fn table(&self, name: &str) -> &'a GqlTable {
        let surface: &'a Surface = self.surface;
        &surface.tables[name]
    }

    fn selection(&mut self, path: &str, table: &str, set: &'a SelectionSet<'a, String>) {
        let t = self.table(table);
        if set.items.is_empty() {
            self.err(path, format!("selects nothing of {}", t.name));
        }
        for item in &set.items {
            match item {
                Selection::Field(f) => {
                    let p = format!("{path} > {}", f.name);
                    if f.name == "__typename" {
                        continue;
                    }
                    if t.columns.contains(&f.name) {
                        if !f.selection_set.items.is_empty() {
                            self.err(&p, "a column has no sub-fields".into());
                        }
                        continue;
                    }
                    if let Some((remote, array)) = t.rels.get(&f.name).cloned() {
                        if array {
                            self.arguments(&p, &remote, Root::Select, &f.arguments);
                        }
                        self.selection(&p, &remote, &f.selection_set);
                        continue;
                    }
                    if let Some(base) = f.name.strip_suffix("_aggregate") {
                        if let Some((remote, true)) = t.rels.get(base).cloned() {
                            if !self.table(&remote).aggregations {
                                self.err(&p, format!("{remote} allows no aggregations"));
                            }
                            self.arguments(&p, &remote, Root::Aggregate, &f.arguments);
                            self.aggregate(&p, &remote, &f.selection_set);
                            continue;
                        }
                    }
                    self.err(
                        &p,
                        format!(
                            "{} has no field `{}` visible to {ROLE} (columns: {:?}; relationships: {:?})",
                            t.name,
                            f.name,
                            t.columns,
                            t.rels.keys().collect::<Vec<_>>()
                        ),
                    );
                }
                Selection::FragmentSpread(s) => match self.frags.get(&s.fragment_name).copied() {
                    Some(set) => self.selection(path, table, set),
                    None => self.err(path, format!("unknown fragment {}", s.fragment_name)),
                },
                Selection::InlineFragment(i) => self.selection(path, table, &i.selection_set),
            }
        }
    }

    fn aggregate(&mut self, path: &str, table: &str, set: &'a SelectionSet<'a, String>) {
        for item in &set.items {
            let Selection::Field(f) = item else {
                self.err(
                    path,
                    "fragments in aggregates are not checked; inline the fields".into(),
                );
                continue;
            };
            let p = format!("{path} > {}", f.name);
            match f.name.as_str() {
                "__typename" => {}
                "nodes" => self.selection(&p, table, &f.selection_set),
                "aggregate" => {
                    for a in &f.selection_set.items {
                        let Selection::Field(a) = a else { continue };
                        let pa = format!("{p} > {}", a.name);
                        match a.name.as_str() {
                            "count" | "__typename" => {}
                            "sum" | "avg" | "max" | "min" | "stddev" | "stddev_pop"
                            | "stddev_samp" | "var_pop" | "var_samp" | "variance" => {
                                let cols = self.table(table).columns.clone();
                                for c in &a.selection_set.items {
                                    if let Selection::Field(c) = c {
                                        if c.name != "__typename" && !cols.contains(&c.name) {
                                            self.err(
                                                &pa,
                                                format!("{table} has no column `{}`", c.name),
                                            );
                                        }
                                    }
                                }
                            }
                            other => self.err(&pa, format!("no aggregate function `{other}`")),
                        }
                    }
                }
                other => self.err(
                    &p,
                    format!("an aggregate has `aggregate` and `nodes`, not `{other}`"),
                ),
            }
        }
    }

    fn arguments(
        &mut self,
        path: &str,
        table: &str,
        kind: Root,
        args: &'a [(String, GqlValue<'a, String>)],
    ) {
        for (name, value) in args {
            let p = format!("{path}({name})");
            match (kind, name.as_str()) {
                (Root::ByPk, col) => {
                    if !self.table(table).columns.contains(col) {
                        self.err(&p, format!("{table} has no column `{col}`"));
                    }
                }
                (_, "where") => self.bool_exp(&p, table, value),
                (_, "order_by") => self.order_by(&p, table, value),
                (_, "distinct_on") => {
                    let values = match value {
                        GqlValue::List(l) => l.iter().collect(),
                        v => vec![v],
                    };
                    for v in values {
                        if let GqlValue::Enum(c) = v {
                            if !self.table(table).columns.contains(c) {
                                self.err(&p, format!("{table} has no column `{c}`"));
                            }
                        }
                    }
                }
                (_, "limit" | "offset") => {}
                (Root::Stream, "batch_size" | "cursor") => {}
                (_, other) => self.err(&p, format!("unknown argument `{other}`")),
            }
        }
    }

    fn bool_exp(&mut self, path: &str, table: &str, v: &'a GqlValue<'a, String>) {
        match v {
            GqlValue::Variable(_) => {}
            GqlValue::List(l) => l.iter().for_each(|x| self.bool_exp(path, table, x)),
            GqlValue::Object(m) => {
                for (k, val) in m {
                    let t = self.table(table);
                    match k.as_str() {
                        "_and" | "_or" | "_not" => self.bool_exp(path, table, val),
                        c if t.columns.contains(c) => {}
                        r => match t.rels.get(r).cloned() {
                            Some((remote, _)) => {
                                self.bool_exp(&format!("{path}.{r}"), &remote, val)
                            }
                            None => self.err(
                                path,
                                format!("{table} has no column or relationship `{r}` to filter on"),
                            ),
                        },
                    }
                }
            }
            other => self.err(path, format!("a filter must be an object, not {other}")),
        }
    }

    fn order_by(&mut self, path: &str, table: &str, v: &'a GqlValue<'a, String>) {
        match v {
            GqlValue::Variable(_) => {}
            GqlValue::List(l) => l.iter().for_each(|x| self.order_by(path, table, x)),
            GqlValue::Object(m) => {
                for (k, val) in m {
                    let t = self.table(table);
                    if t.columns.contains(k) {
                        continue;
                    }
                    if let Some((remote, false)) = t.rels.get(k).cloned() {
                        self.order_by(&format!("{path}.{k}"), &remote, val);
                        continue;
                    }
                    if let Some(base) = k.strip_suffix("_aggregate") {
                        if let Some((_, true)) = t.rels.get(base) {
                            continue;
                        }
                    }
                    self.err(
                        path,
                        format!("{table} has no column or object relationship `{k}` to order by"),
                    );
                }
            }
            other => self.err(path, format!("order_by must be an object, not {other}")),
        }
    }
}

/// Parse every `.graphql` file of `dir` and check it against the metadata.
pub fn check_operations(meta: &Metadata, dir: &Path) -> Vec<String> {
    let surface = Surface::new(meta);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("hasura/queries")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "graphql"))
        .collect();
    files.sort();
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(p).expect("read example"),
            )
        })
        .collect();
    let mut errs = Vec::new();
    let mut subscriptions = 0;
    for (file, text) in &texts {
        let doc = match graphql_parser::parse_query::<String>(text) {
            Ok(d) => d,
            Err(e) => {
                errs.push(format!("{file}: does not parse: {e}"));
                continue;
            }
        };
        subscriptions += doc
            .definitions
            .iter()
            .filter(|d| {
                matches!(
                    d,
                    Definition::Operation(OperationDefinition::Subscription(_))
                )
            })
            .count();
        let mut checker = OpChecker {
            surface: &surface,
            frags: BTreeMap::new(),
            errs: Vec::new(),
        };
        checker.document(file, &doc);
        errs.extend(checker.errs);
    }
    for f in EXAMPLES {
        if !texts.iter().any(|(n, _)| n == f) {
            errs.push(format!("hasura/queries/{f}: missing"));
        }
    }
    if subscriptions == 0 {
        errs.push("hasura/queries: no live-score subscription".into());
    }
    errs
}
