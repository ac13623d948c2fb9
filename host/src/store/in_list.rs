//! `IN (...)` lists in built queries, each value a bound parameter (never
//! text spliced into the SQL).

/// Appends ` IN ($1, $2, ...)` to `q`, binding `values` in order. The list
/// must not be empty: `IN ()` is not SQL.
pub fn push_in<'t, DB, T>(q: &mut sqlx::QueryBuilder<DB>, values: impl IntoIterator<Item = T>)
where
    DB: sqlx::Database,
    T: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    q.push(" IN (");
    let mut list = q.separated(", ");
    for value in values {
        list.push_bind(value);
    }
    q.push(")");
}
