//! `:export`: the focused pane's rows as CSV, every row the filter and scope keep (not
//! only the visible window), in the pane's sort order, with the cells as the screen
//! writes them (secrets masked and redacted the same way).

use super::table::{Ctx, TableView};

/// The CSV text of `tv`'s filtered, sorted rows under its column titles, and the number
/// of rows.
pub fn csv_of<T>(tv: &TableView<T>, ctx: &Ctx) -> Result<(Vec<u8>, usize), String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(tv.columns.iter().map(|c| c.title))
        .map_err(|e| e.to_string())?;
    let mut n = 0;
    for &i in &tv.view {
        let Some(row) = tv.rows.get(i as usize) else {
            continue;
        };
        let cells = tv.columns.iter().map(|c| {
            let text = crate::secret::redact(&(c.text)(row, ctx)).into_owned();
            crate::format::spreadsheet_safe(&text).into_owned()
        });
        w.write_record(cells).map_err(|e| e.to_string())?;
        n += 1;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    Ok((bytes, n))
}

/// The file name of an export of `pane` at `now_ms`: `live-calls-20261129-121530.csv`.
pub fn file_name(pane: &str, now_ms: i64) -> String {
    let slug: String = pane
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let stamp = jiff::Timestamp::from_millisecond(now_ms)
        .map(|t| t.strftime("%Y%m%d-%H%M%S").to_string())
        .unwrap_or_else(|_| now_ms.to_string());
    format!("{slug}-{stamp}.csv")
}
