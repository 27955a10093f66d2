//! `:export` (`ctrl-s`): the focused pane's filtered, sorted rows as CSV in the state
//! directory, read back with a CSV reader; `y` next copies the file's path.

use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use switchboard::action::Action;
use switchboard::app::{Console, StartOptions};
use switchboard::config::Config;
use switchboard::model::{Call, ProviderId};
use switchboard::providers::FetchData;
use switchboard::theme::Theme;
use switchboard::update::apply_data;

use crate::ux_fixture::{call, key, state, temp_dir};

#[tokio::test]
async fn export_writes_every_filtered_row_in_order_and_y_copies_the_path() {
    let dir = temp_dir("export");
    let opts = StartOptions {
        state_dir: Some(dir.clone()),
        ..StartOptions::default()
    };
    let cancel = tokio_util::sync::CancellationToken::new();
    let mut console = Console::start(&Config::default(), Theme::default(), opts, cancel.clone());
    let mut s = state(&["cx"]);
    // 40 calls: more than a 24-row screen shows; the filter keeps the 20 from +44.
    let live: Vec<Call> = (0..40)
        .map(|i| {
            let from = if i % 2 == 0 {
                format!("+4420794600{i:02}")
            } else {
                format!("+3531555{i:04}")
            };
            call(i, &from)
        })
        .collect();
    apply_data(
        &mut s,
        ProviderId(0),
        "acme",
        FetchData::Calls {
            live,
            history: vec![],
        },
    );
    console.state = s;
    console.apply(Action::Resize(80, 24));
    console.apply(key(KeyCode::Char('/')));
    for c in "+4420".chars() {
        console.apply(key(KeyCode::Char(c)));
    }
    console.apply(key(KeyCode::Enter));
    console.apply(Action::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::CONTROL,
    )));
    assert!(
        console
            .pump_until(Duration::from_secs(5), |s| s.last_export.is_some())
            .await,
        "no export: {:?}",
        console.state.message
    );
    let path = console.state.last_export.clone().expect("export path");
    assert!(path.starts_with(&dir.display().to_string()), "{path}");
    let msg = console.state.message.clone().expect("message").text;
    assert!(
        msg.contains("exported 20 rows") && msg.contains(&path),
        "{msg}"
    );

    let mut r = csv::Reader::from_path(&path).expect("csv opens");
    let headers = r.headers().expect("headers").clone();
    let from_col = headers
        .iter()
        .position(|h| h == "From")
        .expect("From column");
    let rows: Vec<csv::StringRecord> = r.records().map(|r| r.expect("record")).collect();
    assert_eq!(rows.len(), 20);
    assert!(
        rows.iter().all(|r| r[from_col].starts_with("+4420")),
        "{rows:?}"
    );
    // The pane's order (longest-running first) is the file's order.
    let order: Vec<String> = {
        let t = &console.state.tables.live;
        t.view
            .iter()
            .map(|&i| t.rows[i as usize].from.to_string())
            .collect()
    };
    let file_order: Vec<String> = rows.iter().map(|r| r[from_col].to_string()).collect();
    assert_eq!(file_order, order);

    console.apply(key(KeyCode::Char('y')));
    let msg = console.state.message.clone().expect("message").text;
    assert_eq!(msg, format!("copied {path}"));
    assert!(console.state.last_export.is_none());
    cancel.cancel();
    let _ = std::fs::remove_dir_all(&dir);
}
