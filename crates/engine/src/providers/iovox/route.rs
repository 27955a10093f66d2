//! An IOVOX VoxNumber's route for the number trace: its node and link, the link's type
//! and its rules (from the link's account row). IOVOX lists no trunks.

use crate::providers::route::{Route, RouteInput, field};

pub fn describe(input: &RouteInput) -> Route {
    let n = input.number;
    let mut steps = Vec::new();
    let link = field(&n.extra, "link");
    match link {
        None => steps.push("→ no link (calls to it are not routed)".to_owned()),
        Some(link) => {
            if let Some(node) = field(&n.extra, "node") {
                steps.push(format!("→ node {node}"));
            }
            let kind = input
                .owner
                .and_then(|o| field(&o.extra, "link type"))
                .map(|t| format!(" ({t})"))
                .unwrap_or_default();
            steps.push(format!("  → link {link}{kind}"));
        }
    }
    if let Some(status) = field(&n.extra, "call status") {
        steps.push(format!("    call status {status}"));
    }
    match input.owner.and_then(|o| field(&o.extra, "rules")) {
        Some(rules) => steps.push(format!("    rules: {rules}")),
        None if link.is_some() => steps.push("    rules: none listed".to_owned()),
        None => {}
    }
    Route {
        steps,
        trunks: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, AccountKind, Number, ProviderId};

    #[test]
    fn the_route_reads_node_link_and_the_links_rules() {
        let n = Number {
            provider: ProviderId(2),
            account: "L1".into(),
            account_name: Default::default(),
            id: "442012344321".into(),
            number: "+442012344321".into(),
            target: "Sales / Main line".into(),
            active: Some(true),
            extra: vec![
                ("call status".into(), "on".into()),
                ("link".into(), "Main line".into()),
                ("node".into(), "Sales".into()),
            ]
            .into(),
        };
        let link = Account {
            provider: ProviderId(2),
            id: "L1".into(),
            name: "Main line".into(),
            parent: None,
            kind: AccountKind::SubAccount,
            active: None,
            extra: vec![
                ("link type".into(), "forward".into()),
                ("rules".into(), "weekday 9-17 → 02071234567".into()),
            ]
            .into(),
        };
        let r = describe(&RouteInput {
            number: &n,
            owner: Some(&link),
            trunks: &[],
        });
        assert_eq!(
            r.steps,
            [
                "→ node Sales",
                "  → link Main line (forward)",
                "    call status on",
                "    rules: weekday 9-17 → 02071234567"
            ]
        );
        assert!(r.trunks.is_empty());
    }
}
