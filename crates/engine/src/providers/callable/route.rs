//! A Callable DDI's route for the number trace: the part of its account's call flow
//! (`flow.rs`, carried as the account's `flow NN` fields) that starts at the ROUTE_START
//! taking the DDI, with its `connectTo` chain, and the trunks its SIP gateways name.

use crate::model::Trunk;
use crate::providers::route::{Route, RouteInput, target_only};

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// The lines of the flow block (a `▶` start and everything under it) that lists `ddi`.
fn block_of(lines: &[(String, bool)], ddi: &str) -> Option<Vec<String>> {
    let mut start = None;
    for (i, (line, _)) in lines.iter().enumerate() {
        if !line.starts_with(' ') {
            start = line.starts_with('▶').then_some(i);
            continue;
        }
        let listed = line
            .trim()
            .strip_prefix("DDI ")
            .is_some_and(|d| !ddi.is_empty() && digits(d) == ddi);
        if let (true, Some(s)) = (listed, start) {
            let end = lines[s + 1..]
                .iter()
                .position(|(l, _)| !l.starts_with(' '))
                .map_or(lines.len(), |p| s + 1 + p);
            return Some(lines[s..end].iter().map(|(l, _)| l.clone()).collect());
        }
    }
    None
}

/// `trunk 10.0.0.5:5060 (desc)` → the trunk of the account with that address.
fn trunk_of<'a>(line: &str, account: &str, trunks: &[&'a Trunk]) -> Option<&'a Trunk> {
    let rest = line.trim().strip_prefix("trunk ")?;
    let addr = rest.split(' ').next().unwrap_or_default();
    let (host, port) = match addr.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => (h, p.parse::<u16>().ok()),
        _ => (addr, None),
    };
    trunks
        .iter()
        .find(|t| t.account == account && t.host == host && (port.is_none() || t.port == port))
        .copied()
}

pub fn describe(input: &RouteInput) -> Route {
    let n = input.number;
    let lines = input.owner.map(|o| o.flow_lines()).unwrap_or_default();
    let Some(block) = block_of(&lines, &digits(&n.number)) else {
        let mut r = target_only(input);
        if lines.is_empty() {
            r.steps
                .push("  (the account's flow is not loaded yet)".to_owned());
        }
        return r;
    };
    let mut trunks: Vec<String> = Vec::new();
    for t in block
        .iter()
        .filter_map(|l| trunk_of(l, &n.account, input.trunks))
    {
        if !trunks.contains(&t.id) {
            trunks.push(t.id.clone());
        }
    }
    Route {
        steps: block,
        trunks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, AccountKind, Number, ProviderId};

    #[test]
    fn the_route_is_the_flow_block_that_takes_the_ddi_and_its_gateway_trunks() {
        let flow = [
            "▶ Night [ROUTE_START]",
            "  DDI +441111111111",
            "  connectTo → HANGUP",
            "▶ Main [ROUTE_START]",
            "  DDI +441234567890",
            "  connectTo → Gateway [SIP_GATEWAY]",
            "    trunk 10.0.0.5:5060 (carrier)",
            "    onFail → VOICEMAIL",
            "not reached from any start:",
            "  Spare [SIP_GATEWAY]",
        ];
        let owner = Account {
            provider: ProviderId(3),
            id: "acc".into(),
            name: "Dean's Taxis".into(),
            parent: None,
            kind: AccountKind::Domain,
            active: None,
            extra: flow
                .iter()
                .enumerate()
                .map(|(i, l)| (format!("flow {:02}", i + 1), *l))
                .collect(),
        };
        let n = Number {
            provider: ProviderId(3),
            account: "acc".into(),
            account_name: Default::default(),
            id: "d1".into(),
            number: "+44 1234 567890".into(),
            target: "flow Main".into(),
            active: None,
            extra: Default::default(),
        };
        let t = Trunk {
            provider: ProviderId(3),
            account: "acc".into(),
            account_name: Default::default(),
            id: "tr1".into(),
            name: "carrier".into(),
            host: "10.0.0.5".into(),
            port: Some(5060),
            transport: String::new(),
            direction: String::new(),
            prefix: String::new(),
            active: None,
            extra: Default::default(),
        };
        let trunks = [&t];
        let r = describe(&RouteInput {
            number: &n,
            owner: Some(&owner),
            trunks: &trunks,
        });
        assert_eq!(r.steps, flow[3..8]);
        assert_eq!(r.trunks, ["tr1"]);
        // No flow loaded yet: the target, and why there is no more.
        let r = describe(&RouteInput {
            number: &n,
            owner: None,
            trunks: &trunks,
        });
        assert_eq!(r.steps[0], "→ flow Main");
        assert!(r.trunks.is_empty());
    }
}
