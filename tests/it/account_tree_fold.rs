//! Folding the accounts tree (`tree.toggle`): rows under a collapsed account leave the
//! view and come back, for any provider's tree.

use std::collections::BTreeSet;

use switchboard::model::{Account, AccountKind, ProviderId};
use switchboard::update::{account_tree, apply_collapse};

fn acc(p: u16, id: &str, parent: Option<&str>) -> Account {
    Account {
        provider: ProviderId(p),
        id: id.into(),
        name: id.into(),
        parent: parent.map(Into::into),
        kind: AccountKind::Customer,
        active: None,
        extra: Default::default(),
    }
}

fn visible(rows: &[switchboard::state::columns::AccountRow]) -> Vec<String> {
    rows.iter()
        .filter(|r| !r.hidden)
        .map(|r| {
            let mark = if r.collapsed { "+" } else { "" };
            format!("{mark}{}", r.account.name)
        })
        .collect()
}

#[test]
fn a_collapsed_node_hides_its_whole_subtree_only() {
    let a = [
        acc(0, "top", None),
        acc(0, "a", Some("top")),
        acc(0, "a1", Some("a")),
        acc(0, "a11", Some("a1")),
        acc(0, "b", Some("top")),
    ];
    let mut rows = account_tree(ProviderId(0), "pv", &a);
    rows.extend(account_tree(ProviderId(1), "other", &[acc(1, "x", None)]));
    let mut folded = BTreeSet::new();
    folded.insert((ProviderId(0), "a".to_string()));
    apply_collapse(&mut rows, &folded);
    assert_eq!(visible(&rows), ["pv", "top", "+a", "b", "other", "x"]);
    // A fold inside a fold stays remembered but changes nothing visible.
    folded.insert((ProviderId(0), "a1".to_string()));
    apply_collapse(&mut rows, &folded);
    assert_eq!(visible(&rows), ["pv", "top", "+a", "b", "other", "x"]);
    folded.remove(&(ProviderId(0), "a".to_string()));
    apply_collapse(&mut rows, &folded);
    assert_eq!(visible(&rows), ["pv", "top", "a", "+a1", "b", "other", "x"]);
    // Folding the provider row hides only that provider's accounts.
    folded.insert((ProviderId(0), String::new()));
    apply_collapse(&mut rows, &folded);
    assert_eq!(visible(&rows), ["+pv", "other", "x"]);
}
