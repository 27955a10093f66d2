//! A ProVoice extension's route for the number trace: its direction and destination
//! (the destination is the trunk it uses), then the forwards that apply to it (its own,
//! from the customer's `forward <id>` detail fields that `map::map_customer_info` wrote).

use crate::providers::route::{Route, RouteInput, field};

/// Whether the forward line `text` names extension `id` (`…, extension <id>, …`).
fn names_extension(text: &str, id: &str) -> bool {
    text.split(", ").any(|part| {
        part.strip_prefix("extension ")
            .is_some_and(|rest| rest.split([' ', ',', '(']).next() == Some(id))
    })
}

pub fn describe(input: &RouteInput) -> Route {
    let n = input.number;
    let mut steps = Vec::new();
    let direction = field(&n.extra, "direction").unwrap_or("?");
    let dest = field(&n.extra, "destination_id");
    let trunk = dest.and_then(|d| {
        input
            .trunks
            .iter()
            .find(|t| t.provider == n.provider && t.id == d)
    });
    steps.push(match (dest, trunk) {
        (None, _) => format!("extension {} ({direction}) → no destination", n.number),
        (Some(_), Some(t)) => format!(
            "extension {} ({direction}) → destination {} ({}{})",
            n.number,
            t.name,
            t.host,
            t.port.map(|p| format!(":{p}")).unwrap_or_default()
        ),
        (Some(d), None) => format!(
            "extension {} ({direction}) → destination {d} (not listed)",
            n.number
        ),
    });
    if let Some(user) = field(&n.extra, "user_id") {
        steps.push(format!("  user {user}"));
    }
    let forwards: Vec<&str> = input
        .owner
        .map(|o| {
            o.extra
                .iter()
                .filter(|(k, v)| k.starts_with("forward ") && names_extension(v, &n.id))
                .map(|(_, v)| v)
                .collect()
        })
        .unwrap_or_default();
    if forwards.is_empty() {
        steps.push("  forwards: none".to_owned());
    }
    for f in forwards {
        steps.push(format!("  forward {f}"));
    }
    Route {
        steps,
        trunks: trunk.map(|t| vec![t.id.clone()]).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, AccountKind, Number, ProviderId, Trunk};

    #[test]
    fn the_route_is_the_destination_and_the_extensions_own_forwards() {
        let n = Number {
            provider: ProviderId(4),
            account: "2".into(),
            account_name: Default::default(),
            id: "12".into(),
            number: "101".into(),
            target: "inbound → pbx".into(),
            active: None,
            extra: vec![
                ("direction".into(), "inbound".into()),
                ("destination_id".into(), "5".into()),
                ("user_id".into(), "-".into()),
            ]
            .into(),
        };
        let owner = Account {
            provider: ProviderId(4),
            id: "2".into(),
            name: "Acme".into(),
            parent: None,
            kind: AccountKind::Customer,
            active: None,
            extra: vec![
                (
                    "forward 1".into(),
                    "busy → 200 after 20 s, extension 12".into(),
                ),
                ("forward 2".into(), "always → 300, extension 120".into()),
            ]
            .into(),
        };
        let t = Trunk {
            provider: ProviderId(4),
            account: "2".into(),
            account_name: Default::default(),
            id: "5".into(),
            name: "pbx".into(),
            host: "pbx.example.net".into(),
            port: Some(5060),
            transport: "udp".into(),
            direction: "outbound".into(),
            prefix: String::new(),
            active: Some(true),
            extra: Default::default(),
        };
        let trunks = [&t];
        let r = describe(&RouteInput {
            number: &n,
            owner: Some(&owner),
            trunks: &trunks,
        });
        assert_eq!(
            r.steps,
            [
                "extension 101 (inbound) → destination pbx (pbx.example.net:5060)",
                "  forward busy → 200 after 20 s, extension 12",
            ]
        );
        assert_eq!(r.trunks, ["5"]);
    }
}
