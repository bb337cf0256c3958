//! Projections, aggregates, groups and `find_and_count` (issue 17) against the reference, on
//! every generated query: the query's filters, order and paging run as a projection and as
//! `find_and_count`; its filters alone run eight aggregates at once, a 64-bit sum (exact, or
//! an error past the range), and two grouped projections (NULL keys in one group, `having`,
//! order by an aggregate, paging over groups).
//!
//! Backend difference the reference models: SQLite's `SUM` fails when a running total leaves
//! the 64-bit range even if the final sum fits; PostgreSQL and MariaDB sum exactly.

use orm::count_all;

use super::*;

/// The query's filters, without its order and paging (aggregates ignore both).
fn filtered(query: &Query) -> Select<Probe> {
    query.filters.iter().fold(Probe::find(), |select, filter| select.filter(expr(filter)))
}

/// The rows the query's filters keep, in id order.
fn kept<'a>(reference: &Reference, query: &Query, rows: &'a [Probe]) -> Vec<&'a Probe> {
    let predicate = query.predicate();
    rows.iter().filter(|row| predicate.as_ref().is_none_or(|p| reference.eval(p, row) == Some(true))).collect()
}

/// Equal as the databases compare floats (-0.0 = 0.0, NaN = NaN).
fn same_float(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => float_cmp(a, b) == Ordering::Equal,
        (a, b) => a.is_none() && b.is_none(),
    }
}

/// Equal up to the rounding of an average's last digits.
fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0),
        (a, b) => a.is_none() && b.is_none(),
    }
}

fn largest(values: impl Iterator<Item = f64>) -> Option<f64> {
    values.max_by(|a, b| float_cmp(*a, *b))
}

fn smallest(values: impl Iterator<Item = f64>) -> Option<f64> {
    values.min_by(|a, b| float_cmp(*a, *b))
}

fn is_overflow(error: &orm::Error) -> bool {
    let message = error.to_string().to_lowercase();
    matches!(error, orm::Error::Database { .. }) && (message.contains("overflow") || message.contains("out of range"))
}

/// Count, non-NULL count, two sums, an average, a minimum and two maxima.
type Eight = (i64, i64, Option<i64>, Option<i64>, Option<f64>, Option<i64>, Option<String>, Option<f64>);

fn same_eight(a: &Eight, b: &Eight) -> bool {
    (a.0, a.1, a.2, a.3, a.5, &a.6) == (b.0, b.1, b.2, b.3, b.5, &b.6) && close(a.4, b.4) && same_float(a.7, b.7)
}

/// A group by `o_flag`: the key, its rows, the sum of `small`, the largest `o_int`, the
/// smallest `o_text`.
type FlagGroup = (Option<bool>, i64, Option<i64>, Option<i32>, Option<String>);

/// A group by `o_small`: the key, its rows, the smallest `o_double`.
type SmallGroup = (Option<i16>, i64, Option<f64>);

pub(super) async fn check(
    db: &Db,
    name: &str,
    reference: &Reference,
    query: &Query,
    rows: &[Probe],
) -> Result<(), TestCaseError> {
    let run = |what: &str, e: orm::Error| fail(format!("{name}: {what} failed: {e}\n    {e:?}\n    query: {query}"));
    let differ = |what: &str, expected: &dyn fmt::Debug, actual: &dyn fmt::Debug| {
        fail(format!(
            "{name}: {what} disagrees with the reference\n    query:    {query}\n    expected: {expected:?}\n    {name}: {actual:?}"
        ))
    };
    let ids = reference.ids(query, rows);
    let kept = kept(reference, query, rows);

    let projected = select_of(query)
        .select((Probe::id(), Probe::o_small(), Probe::o_text(), Probe::o_big()))
        .all(db)
        .await
        .map_err(|e| run("select((id, o_small, o_text, o_big))", e))?;
    let expected: Vec<_> =
        ids.iter().map(|id| &rows[(id - 1) as usize]).map(|r| (r.id, r.o_small, r.o_text.clone(), r.o_big)).collect();
    if projected != expected {
        return Err(differ("select((id, o_small, o_text, o_big))", &expected, &projected));
    }

    let (page, total) = select_of(query).find_and_count(db).await.map_err(|e| run("find_and_count()", e))?;
    let page: Vec<i64> = page.iter().map(|p| p.id).collect();
    if page != ids || total != kept.len() as i64 {
        return Err(differ("find_and_count()", &(&ids, kept.len()), &(page, total)));
    }

    let aggregates = filtered(query)
        .select((
            count_all::<Probe>(),
            Probe::o_int().count(),
            Probe::small().sum(),
            Probe::o_int().sum(),
            Probe::o_small().avg(),
            Probe::o_big().min(),
            Probe::o_text().max(),
            Probe::o_double().max(),
        ))
        .one(db)
        .await
        .map_err(|e| run("eight aggregates", e))?
        .ok_or_else(|| fail(format!("{name}: an aggregate query returned no row\n    query: {query}")))?;
    let o_int: Vec<i64> = kept.iter().filter_map(|r| r.o_int).map(i64::from).collect();
    let o_small: Vec<f64> = kept.iter().filter_map(|r| r.o_small).map(f64::from).collect();
    let expected: Eight = (
        kept.len() as i64,
        o_int.len() as i64,
        (!kept.is_empty()).then(|| kept.iter().map(|r| i64::from(r.small)).sum()),
        (!o_int.is_empty()).then(|| o_int.iter().sum()),
        (!o_small.is_empty()).then(|| o_small.iter().sum::<f64>() / o_small.len() as f64),
        kept.iter().filter_map(|r| r.o_big).min(),
        kept.iter().filter_map(|r| r.o_text.clone()).max(),
        largest(kept.iter().filter_map(|r| r.o_double)),
    );
    if !same_eight(&expected, &aggregates) {
        return Err(differ(
            "(count_all, o_int.count, small.sum, o_int.sum, o_small.avg, o_big.min, o_text.max, o_double.max)",
            &expected,
            &aggregates,
        ));
    }

    let sum = filtered(query).sum(Probe::big(), db).await;
    let exact: i128 = kept.iter().map(|r| i128::from(r.big)).sum();
    let positives: i128 = kept.iter().map(|r| i128::from(r.big.max(0))).sum();
    let negatives: i128 = kept.iter().map(|r| i128::from(r.big.min(0))).sum();
    let fits = |v: i128| i64::try_from(v).is_ok();
    let agrees = match &sum {
        _ if kept.is_empty() => matches!(sum, Ok(None)),
        Err(error) if !fits(exact) => is_overflow(error),
        // SQLite fails when a running total leaves the range, which depends on the scan order.
        Err(error) if name == "sqlite" && !(fits(positives) && fits(negatives)) => is_overflow(error),
        Ok(Some(value)) => i128::from(*value) == exact,
        _ => false,
    };
    if !agrees {
        let expected = if fits(exact) { format!("Ok(Some({exact}))") } else { "an overflow error".to_owned() };
        return Err(differ("sum(big)", &expected, &sum));
    }

    let groups: Vec<FlagGroup> = filtered(query)
        .select((
            Probe::o_flag(),
            count_all::<Probe>(),
            Probe::small().sum(),
            Probe::o_int().max(),
            Probe::o_text().min(),
        ))
        .group_by(Probe::o_flag())
        .order_by(Probe::o_flag().asc())
        .all(db)
        .await
        .map_err(|e| run("group_by(o_flag)", e))?;
    let expected: Vec<FlagGroup> = [Some(false), Some(true), None]
        .into_iter()
        .filter_map(|key| {
            let group: Vec<&&Probe> = kept.iter().filter(|r| r.o_flag == key).collect();
            (!group.is_empty()).then(|| {
                (
                    key,
                    group.len() as i64,
                    Some(group.iter().map(|r| i64::from(r.small)).sum()),
                    group.iter().filter_map(|r| r.o_int).max(),
                    group.iter().filter_map(|r| r.o_text.clone()).min(),
                )
            })
        })
        .collect();
    if groups != expected {
        return Err(differ("group_by(o_flag)", &expected, &groups));
    }
    let crowded: Vec<Option<bool>> = filtered(query)
        .select(Probe::o_flag())
        .group_by(Probe::o_flag())
        .having(count_all::<Probe>().gt(1_i64))
        .order_by(Probe::o_flag().asc())
        .all(db)
        .await
        .map_err(|e| run("group_by(o_flag).having(count_all > 1)", e))?;
    let expected: Vec<Option<bool>> = expected.iter().filter(|g| g.1 > 1).map(|g| g.0).collect();
    if crowded != expected {
        return Err(differ("group_by(o_flag).having(count_all > 1)", &expected, &crowded));
    }

    let mut by_size = filtered(query)
        .select((Probe::o_small(), count_all::<Probe>(), Probe::o_double().min()))
        .group_by(Probe::o_small())
        .order_by(count_all::<Probe>().desc())
        .order_by(Probe::o_small().asc());
    if let Some(limit) = query.limit {
        by_size = by_size.limit(limit);
    }
    if let Some(offset) = query.offset {
        by_size = by_size.offset(offset);
    }
    let groups: Vec<SmallGroup> = by_size.all(db).await.map_err(|e| run("group_by(o_small)", e))?;
    let mut keys: Vec<Option<i16>> = kept.iter().map(|r| r.o_small).collect();
    keys.sort_by(|a, b| nullable_cmp(&a.map(V::I16), &b.map(V::I16)));
    keys.dedup();
    let mut expected: Vec<SmallGroup> = keys
        .into_iter()
        .map(|key| {
            let group: Vec<&&Probe> = kept.iter().filter(|r| r.o_small == key).collect();
            (key, group.len() as i64, smallest(group.iter().filter_map(|r| r.o_double)))
        })
        .collect();
    // Stable: equal counts keep the key order.
    expected.sort_by_key(|group| std::cmp::Reverse(group.1));
    let offset = usize::try_from(query.offset.unwrap_or(0)).unwrap_or(usize::MAX);
    let limit = usize::try_from(query.limit.unwrap_or(u64::MAX)).unwrap_or(usize::MAX);
    let expected: Vec<SmallGroup> = expected.into_iter().skip(offset).take(limit).collect();
    let agree = groups.len() == expected.len()
        && groups.iter().zip(&expected).all(|(a, b)| a.0 == b.0 && a.1 == b.1 && same_float(a.2, b.2));
    if !agree {
        return Err(differ("group_by(o_small).order_by(count_all desc, o_small asc)", &expected, &groups));
    }
    Ok(())
}
