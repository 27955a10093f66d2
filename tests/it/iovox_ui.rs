//! The numbers pane with IOVOX VoxNumbers: on, off and "no rules" numbers, one marked
//! for a multi-number switch; and the toggle confirmation built from the marks.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use switchboard::model::{ProviderId, ProviderKind, Resource};
use switchboard::providers::iovox::{self, map, wire};
use switchboard::state::table::Ctx;
use switchboard::state::{ProviderState, State};
use switchboard::theme::Theme;
use switchboard::ui;

/// 2023-11-14 22:13:20 UTC.
const NOW: i64 = 1_700_000_000_000;

const BODY: &str = r#"{"response":{"current_page":"1","total_pages":"1","total_results":"4","results":{"result":[
 {"voxnumber":"442071234501","voxnumber_type":"LOCAL","voxnumber_country":"United Kingdom","voxnumber_city":"London","link_id":"L-LON-SALES","link_name":"Sales line","node_id":"LON01","node_name":"London office","assigned_status":"ASSIGNED","call_status":"ON"},
 {"voxnumber":"448001234505","voxnumber_type":"NATIONAL","voxnumber_country":"United Kingdom","voxnumber_city":{},"link_id":"L-WEB-RADIO","link_name":"Radio ad","node_id":"WEB01","node_name":"Web campaigns","assigned_status":"ASSIGNED","call_status":"OFF"},
 {"voxnumber":"442071234506","voxnumber_type":"LOCAL","voxnumber_country":"United Kingdom","voxnumber_city":"London","link_id":"L-WEB-SPRING","link_name":"Spring promo","node_id":"WEB01","node_name":"Web campaigns","assigned_status":"ASSIGNED","call_status":"NO RULES"},
 {"voxnumber":"33142345607","voxnumber_type":"LOCAL","voxnumber_country":"France","voxnumber_city":"Paris","link_id":{},"link_name":{},"node_id":{},"node_name":{},"assigned_status":"UNASSIGNED","call_status":"OFF"}
]}}}"#;

fn state() -> State {
    let p = ProviderState::new(
        ProviderId(0),
        "iovox-uk",
        ProviderKind::Iovox,
        iovox::CAPABILITIES,
    );
    let mut s = State::new(vec![p], NOW);
    s.tz = jiff::tz::TimeZone::UTC;
    let rows = wire::decode_voxnumbers(BODY.as_bytes()).unwrap();
    let numbers = map::map_numbers(ProviderId(0), "noc-demo", rows);
    let names = s.provider_names.clone();
    let tz = s.tz.clone();
    let ctx = Ctx {
        now_ms: NOW,
        provider_names: &names,
        tz: &tz,
        thresholds: Default::default(),
    };
    s.tables
        .numbers
        .replace_slice(ProviderId(0), None, numbers, &ctx);
    s.focus = Resource::Numbers;
    s
}

fn draw(state: &State, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::render(f, state, &Theme::default())).unwrap();
    t
}

fn screen(t: &Terminal<TestBackend>) -> String {
    let b = t.backend().buffer();
    (0..b.area.height)
        .map(|y| {
            (0..b.area.width)
                .map(|x| b[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn numbers_pane_shows_on_and_off_numbers_and_a_mark() {
    let mut s = state();
    // Mark the selected (first in view) number.
    let marked_id = s.tables.numbers.selected_row().unwrap().id.clone();
    assert!(s.tables.numbers.toggle_mark());
    let t = draw(&s, 120, 16);
    let text = screen(&t);
    assert!(text.contains("+442071234501"), "{text}");
    assert!(text.contains("+448001234505"), "{text}");
    assert!(text.contains("✓ "), "the marked row shows a mark: {text}");
    let marked_line = text.lines().find(|l| l.contains("✓ ")).unwrap().to_string();
    assert!(
        marked_line.contains(&format!("+{marked_id}")),
        "{marked_line}"
    );
    insta::assert_snapshot!("iovox_numbers_marked_120x16", t.backend());
}

#[test]
fn toggle_on_marked_numbers_confirms_every_number_and_switches_off() {
    use switchboard::providers::forms::{FormContext, Intent};
    let s = state();
    let on = s
        .tables
        .numbers
        .rows
        .iter()
        .find(|n| n.id == "442071234501")
        .unwrap();
    let off = s
        .tables
        .numbers
        .rows
        .iter()
        .find(|n| n.id == "448001234505")
        .unwrap();
    let ctx = FormContext {
        account: "noc-demo",
        args: "",
        account_row: None,
        trunk: None,
        live_calls_on_trunk: 0,
        number: Some(on),
        numbers: Vec::new(),
        marked_numbers: vec![on, off],
        call: None,
        accounts: vec![],
        details: Vec::new(),
    };
    let (spec, target) = iovox::forms::open(Intent::NumberToggle, &ctx).unwrap();
    assert!(spec.fields.is_empty(), "a confirmation, not a form");
    assert_eq!(
        spec.title,
        "Switch 2 numbers OFF: +442071234501, +448001234505"
    );
    let m = iovox::forms::build(&target, &[]).unwrap();
    assert_eq!(
        m,
        switchboard::providers::Mutation::Provider {
            account: "L-LON-SALES".into(),
            command: "number.toggle".into(),
            change: switchboard::providers::ProviderChange::Iovox(iovox::Change::SetCallStatus {
                numbers: vec!["442071234501".into(), "448001234505".into()],
                on: false
            }),
        }
    );
    // Only OFF numbers selected: switch ON.
    let ctx = FormContext {
        number: Some(off),
        marked_numbers: vec![],
        ..ctx
    };
    let (spec, _) = iovox::forms::open(Intent::NumberToggle, &ctx).unwrap();
    assert_eq!(spec.title, "Switch number +448001234505 ON");
}
