//! Name resolution scopes: what the FROM clause of one query level makes visible.
//!
//! A [`Scope`] lists named entries, each an expression over the row the FROM clause
//! produces, so a merged `USING` column can be an expression (`COALESCE(l.a, r.a)` under
//! FULL JOIN) while ordinary columns are plain references. Relations (FROM items with
//! their alias) group entries for `t.*` and qualified lookup; `star` is the order `*`
//! expands to, which for `USING` joins puts the merged columns first, as PostgreSQL does.

use rustydb_common::DbError;

use super::errors;
use crate::catalog::TableRef;
use crate::plan::expr::ScalarExpr;
use crate::types::DataType;

/// One named entry of a scope.
#[derive(Debug, Clone)]
pub(crate) struct ScopeColumn {
    /// The relation alias it can be qualified with (None for merged USING columns).
    pub(crate) qualifier: Option<String>,
    /// Its name.
    pub(crate) name: String,
    /// Its value, over the scope's row.
    pub(crate) expr: ScalarExpr,
    /// Whether a bare name reaches it (false for the per-side copies of a USING column).
    pub(crate) unqualified: bool,
    /// The table column it reads, as (relation index, column ordinal among the table's
    /// visible columns): functional dependency on a grouped primary key.
    pub(crate) source: Option<(usize, usize)>,
}

impl ScopeColumn {
    /// The entry's type.
    pub(crate) fn ty(&self) -> DataType {
        self.expr.ty()
    }
}

/// A FROM item as scopes know it.
#[derive(Debug, Clone)]
pub(crate) struct ScopeRelation {
    /// Its alias (or table name).
    pub(crate) alias: String,
    /// The schema of a table referenced by its own name (`s.t.a` qualification).
    pub(crate) schema: Option<String>,
    /// Its entries, in `t.*` order.
    pub(crate) columns: Vec<usize>,
    /// The table it reads, if it is a table.
    pub(crate) table: Option<TableRef>,
}

/// Grouping applied to outer references from subqueries of an aggregated query: the
/// group keys (over the FROM row), matched by their printed form.
#[derive(Debug, Clone, Default)]
pub(crate) struct Grouped {
    /// `(key text, key type)`, in the Aggregate node's output order.
    pub(crate) keys: Vec<String>,
}

/// What one query level's FROM clause makes visible.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    /// Entries.
    pub(crate) columns: Vec<ScopeColumn>,
    /// FROM items.
    pub(crate) relations: Vec<ScopeRelation>,
    /// Entries `*` expands to, in order.
    pub(crate) star: Vec<usize>,
    /// Set while binding the grouped parts of an aggregated query: outer references from
    /// subqueries must match a group key.
    pub(crate) grouped: Option<Grouped>,
}

/// The result of looking a name up in one scope.
#[derive(Debug)]
pub(crate) enum Lookup<'s> {
    /// Found.
    Found(&'s ScopeColumn),
    /// Not here (look in enclosing levels).
    NotFound,
}

impl Scope {
    /// An empty scope (no FROM clause).
    pub(crate) fn empty() -> Scope {
        Scope::default()
    }

    /// The scope of one relation whose row is exactly `cols` (name, type), starting at
    /// row position `offset`.
    pub(crate) fn for_relation(
        alias: &str,
        schema: Option<String>,
        cols: &[(String, DataType)],
        offset: usize,
        table: Option<TableRef>,
    ) -> Scope {
        let mut s = Scope::default();
        s.add_relation(alias, schema, cols, offset, table);
        s
    }

    /// Appends a relation whose columns are row positions `offset..offset+cols.len()`.
    pub(crate) fn add_relation(
        &mut self,
        alias: &str,
        schema: Option<String>,
        cols: &[(String, DataType)],
        offset: usize,
        table: Option<TableRef>,
    ) {
        let rel = self.relations.len();
        let is_table = table.is_some();
        let mut ids = Vec::with_capacity(cols.len());
        for (i, (name, ty)) in cols.iter().enumerate() {
            ids.push(self.columns.len());
            self.star.push(self.columns.len());
            self.columns.push(ScopeColumn {
                qualifier: Some(alias.to_string()),
                name: name.clone(),
                expr: ScalarExpr::Column {
                    index: offset + i,
                    ty: ty.clone(),
                },
                unqualified: true,
                source: is_table.then_some((rel, i)),
            });
        }
        self.relations.push(ScopeRelation {
            alias: alias.to_string(),
            schema,
            columns: ids,
            table,
        });
    }

    /// Appends `other` (the right side of a join, whose row follows this one's `shift`
    /// columns).
    pub(crate) fn append(&mut self, other: Scope, shift: usize) {
        let base = self.columns.len();
        let rel_base = self.relations.len();
        for mut c in other.columns {
            c.expr.remap_columns(&|i| i + shift);
            c.source = c.source.map(|(r, i)| (r + rel_base, i));
            self.columns.push(c);
        }
        for mut r in other.relations {
            r.columns.iter_mut().for_each(|c| *c += base);
            self.relations.push(r);
        }
        self.star.extend(other.star.into_iter().map(|c| c + base));
    }

    /// Whether a relation with this alias is already in scope.
    pub(crate) fn has_relation(&self, alias: &str) -> bool {
        self.relations.iter().any(|r| r.alias == alias)
    }

    /// Finds the relation a qualifier names (`t`, or `s.t` for a table of schema `s`).
    pub(crate) fn relation(&self, qualifier: &[String]) -> Option<&ScopeRelation> {
        match qualifier {
            [t] => self.relations.iter().find(|r| &r.alias == t),
            [s, t] => self
                .relations
                .iter()
                .find(|r| &r.alias == t && r.schema.as_deref() == Some(s.as_str())),
            [_db, s, t] => self
                .relations
                .iter()
                .find(|r| &r.alias == t && r.schema.as_deref() == Some(s.as_str())),
            _ => None,
        }
    }

    /// Looks `name` up, qualified by `qualifier` (possibly empty). A qualifier naming a
    /// relation of this scope that lacks the column is an error here, without looking
    /// further out, as in PostgreSQL.
    pub(crate) fn lookup(&self, qualifier: &[String], name: &str) -> Result<Lookup<'_>, DbError> {
        if qualifier.is_empty() {
            let mut found: Option<&ScopeColumn> = None;
            for c in self
                .columns
                .iter()
                .filter(|c| c.unqualified && c.name == name)
            {
                if found.is_some() {
                    return Err(errors::ambiguous_column(name));
                }
                found = Some(c);
            }
            return Ok(found.map_or(Lookup::NotFound, Lookup::Found));
        }
        let Some(rel) = self.relation(qualifier) else {
            return Ok(Lookup::NotFound);
        };
        let mut found: Option<&ScopeColumn> = None;
        for &i in &rel.columns {
            let c = &self.columns[i];
            if c.name == name {
                if found.is_some() {
                    return Err(errors::ambiguous_column(name));
                }
                found = Some(c);
            }
        }
        match found {
            Some(c) => Ok(Lookup::Found(c)),
            None => Err(errors::undefined_column(Some(&qualifier.join(".")), name)),
        }
    }

    /// The `(qualifier, name)` of the entry reading row position `index`, for messages.
    pub(crate) fn describe(&self, index: usize) -> Option<String> {
        self.columns
            .iter()
            .find(|c| matches!(c.expr, ScalarExpr::Column { index: i, .. } if i == index))
            .map(|c| match &c.qualifier {
                Some(q) => format!("{q}.{}", c.name),
                None => c.name.clone(),
            })
    }

    /// The entry reading row position `index`.
    pub(crate) fn column_at(&self, index: usize) -> Option<&ScopeColumn> {
        self.columns
            .iter()
            .find(|c| matches!(c.expr, ScalarExpr::Column { index: i, .. } if i == index))
    }

    /// Renames every entry's qualifier to `alias` and merges the relations into one (an
    /// aliased join: `(a JOIN b USING (x)) AS j`).
    pub(crate) fn requalify(&mut self, alias: &str, columns: &[String]) -> Result<(), DbError> {
        let star = self.star.clone();
        if columns.len() > star.len() {
            return Err(errors::syntax(format!(
                "join expression \"{alias}\" has {} columns available but {} columns specified",
                star.len(),
                columns.len()
            )));
        }
        for (k, &i) in star.iter().enumerate() {
            if let Some(n) = columns.get(k) {
                self.columns[i].name = n.clone();
            }
        }
        let keep: Vec<ScopeColumn> = star.iter().map(|&i| self.columns[i].clone()).collect();
        self.columns = keep
            .into_iter()
            .map(|mut c| {
                c.qualifier = Some(alias.to_string());
                c.unqualified = true;
                c.source = None;
                c
            })
            .collect();
        self.star = (0..self.columns.len()).collect();
        self.relations = vec![ScopeRelation {
            alias: alias.to_string(),
            schema: None,
            columns: self.star.clone(),
            table: None,
        }];
        Ok(())
    }
}
