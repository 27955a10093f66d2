//! A strict account-tree builder: orders accounts depth-first under their parents and
//! refuses a tree that is not one (an account naming a parent that does not exist, or
//! parents that form a cycle). Iterative, so neither a deep tree nor a cycle can hang
//! or overflow the stack.
//!
//! The same walk serves two readers: [`display_order`] is tolerant (the accounts pane,
//! through `update::account_tree`, lists what it cannot place flat), and
//! [`build_tree`] is strict for providers whose data must be a proper tree (a customer
//! tree that must be whole checks it first and reports the problem as an error).
//!
//! Trees can be large (hundreds of thousands of customers), so the builder runs on the
//! blocking pool and checks a [`Cancel`] flag every [`CHECK_EVERY`] accounts: a console
//! that quits, or a fetch that is dropped, gets its thread back within milliseconds.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::model::Account;

/// How many items long-running loops handle between two looks at their [`Cancel`] flag.
pub const CHECK_EVERY: usize = 4096;

/// A flag that CPU-heavy work (tree building, big decodes) checks every
/// [`CHECK_EVERY`] items; raised when its result is no longer wanted.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

/// The work stopped because its [`Cancel`] flag was raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cancelled")
    }
}

impl std::error::Error for Cancelled {}

impl Cancel {
    pub fn new() -> Cancel {
        Cancel::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Call with a loop counter: looks at the flag every [`CHECK_EVERY`] items.
    pub fn check(&self, i: usize) -> Result<(), Cancelled> {
        if i.is_multiple_of(CHECK_EVERY) && self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }

    /// A guard that raises the flag when dropped: hold it in the future that waits for
    /// the work, so dropping that future (a poller stopping, the runtime shutting down)
    /// stops the work too.
    pub fn on_drop(&self) -> CancelOnDrop {
        CancelOnDrop(self.clone())
    }
}

/// Raises its [`Cancel`] flag when dropped.
#[derive(Debug)]
pub struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// Why a set of accounts is not a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeError {
    /// `(account, parent)`: the parent id names no account.
    Orphans(Vec<(String, String)>),
    /// The ids of one parent cycle, in parent order, starting from the smallest.
    Cycle(Vec<String>),
    /// Building stopped: the result was no longer wanted.
    Cancelled,
}

impl fmt::Display for TreeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TreeError::Orphans(o) => {
                let list: Vec<String> = o
                    .iter()
                    .take(5)
                    .map(|(a, p)| format!("{a} (parent {p})"))
                    .collect();
                let more = if o.len() > 5 {
                    format!(" and {} more", o.len() - 5)
                } else {
                    String::new()
                };
                write!(
                    f,
                    "{} account(s) name a parent that does not exist: {}{more}",
                    o.len(),
                    list.join(", ")
                )
            }
            TreeError::Cycle(c) => {
                let mut path = c.clone();
                if let Some(first) = c.first() {
                    path.push(first.clone());
                }
                write!(f, "the parent ids form a cycle: {}", path.join(" → "))
            }
            TreeError::Cancelled => f.write_str("stopped before the tree was built"),
        }
    }
}

impl std::error::Error for TreeError {}

/// `(index into accounts, depth)` in display order (roots at depth 1, children after
/// their parent, siblings in input order), or why the accounts are not a tree. An
/// account whose parent is itself counts as a cycle.
pub fn build_tree(accounts: &[Account]) -> Result<Vec<(usize, u8)>, TreeError> {
    build_tree_until(accounts, &Cancel::new())
}

/// [`build_tree`] that stops with [`TreeError::Cancelled`] soon after `cancel` is raised.
pub fn build_tree_until(
    accounts: &[Account],
    cancel: &Cancel,
) -> Result<Vec<(usize, u8)>, TreeError> {
    let index = index_of(accounts);
    let orphans: Vec<(String, String)> = accounts
        .iter()
        .filter_map(|a| {
            let p = a.parent.as_deref()?;
            (!index.contains_key(p)).then(|| (a.id.clone(), p.to_owned()))
        })
        .collect();
    if !orphans.is_empty() {
        return Err(TreeError::Orphans(orphans));
    }
    let walk = walk(accounts, &index, cancel).map_err(|_| TreeError::Cancelled)?;
    if let Some(start) = walk.placed.iter().position(|p| !p) {
        return Err(TreeError::Cycle(find_cycle(accounts, &index, start)));
    }
    Ok(walk.order)
}

/// The tolerant order the console's accounts pane shows: like [`build_tree`], but an
/// account whose parent does not exist is a root, and accounts in a parent cycle follow
/// the tree at depth 1 in input order rather than being lost. Linear in the number of
/// accounts (hundreds of thousands are fine).
pub fn display_order(accounts: &[Account]) -> Vec<(usize, u8)> {
    let index = index_of(accounts);
    // A flag nobody raises: the walk cannot stop early.
    let Ok(mut walk) = walk(accounts, &index, &Cancel::new()) else {
        return Vec::new();
    };
    for (i, placed) in walk.placed.iter().enumerate() {
        if !placed {
            walk.order.push((i, 1));
        }
    }
    walk.order
}

fn index_of(accounts: &[Account]) -> HashMap<&str, usize> {
    accounts
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect()
}

/// What one depth-first walk placed: the order, and which accounts it reached.
struct Walk {
    order: Vec<(usize, u8)>,
    placed: Vec<bool>,
}

/// The one tree walk both builders share: roots are the accounts without a parent or
/// whose parent is unknown, each followed depth-first by its children (siblings in
/// input order). Accounts that no root reaches (parent cycles) stay unplaced.
fn walk(
    accounts: &[Account],
    index: &HashMap<&str, usize>,
    cancel: &Cancel,
) -> Result<Walk, Cancelled> {
    cancel.check(0)?;
    let mut children: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, a) in accounts.iter().enumerate() {
        cancel.check(i)?;
        if let Some(p) = a.parent.as_deref() {
            children.entry(p).or_default().push(i);
        }
    }
    let mut order = Vec::with_capacity(accounts.len());
    let mut placed = vec![false; accounts.len()];
    let mut stack: Vec<(usize, u8)> = accounts
        .iter()
        .enumerate()
        .filter(|(_, a)| a.parent.as_deref().is_none_or(|p| !index.contains_key(p)))
        .map(|(i, _)| (i, 1u8))
        .rev()
        .collect();
    while let Some((i, depth)) = stack.pop() {
        if placed[i] {
            continue;
        }
        placed[i] = true;
        order.push((i, depth));
        cancel.check(order.len())?;
        if let Some(kids) = children.get(accounts[i].id.as_str()) {
            stack.extend(
                kids.iter()
                    .rev()
                    .filter(|&&k| !placed[k])
                    .map(|&k| (k, depth.saturating_add(1))),
            );
        }
    }
    Ok(Walk { order, placed })
}

/// Follows parents from `start` (which no root reaches) until an id repeats.
fn find_cycle(accounts: &[Account], index: &HashMap<&str, usize>, start: usize) -> Vec<String> {
    let mut seen: HashSet<usize> = HashSet::new();
    let mut path: Vec<usize> = Vec::new();
    let mut cur = start;
    // Every step moves to an existing account (orphans were refused), and an unplaced
    // account's parent is unplaced too, so this ends within accounts.len() steps.
    while seen.insert(cur) {
        path.push(cur);
        match accounts[cur].parent.as_deref().and_then(|p| index.get(p)) {
            Some(&p) => cur = p,
            None => break,
        }
    }
    let from = path.iter().position(|&i| i == cur).unwrap_or(0);
    let mut cycle: Vec<String> = path[from..]
        .iter()
        .map(|&i| accounts[i].id.clone())
        .collect();
    if let Some(min) = (0..cycle.len()).min_by(|&a, &b| cycle[a].cmp(&cycle[b])) {
        cycle.rotate_left(min);
    }
    cycle
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AccountKind, ProviderId};

    fn acc(id: &str, parent: Option<&str>) -> Account {
        Account {
            provider: ProviderId(0),
            id: id.into(),
            name: id.into(),
            parent: parent.map(Into::into),
            kind: AccountKind::Customer,
            active: None,
            extra: Default::default(),
        }
    }

    fn order(accounts: &[Account]) -> Vec<(String, u8)> {
        build_tree(accounts)
            .unwrap()
            .into_iter()
            .map(|(i, d)| (accounts[i].id.clone(), d))
            .collect()
    }

    #[test]
    fn children_follow_their_parent_depth_first() {
        let a = [
            acc("3", Some("1")),
            acc("1", None),
            acc("4", Some("2")),
            acc("2", Some("1")),
            acc("9", None),
        ];
        assert_eq!(
            order(&a),
            vec![
                ("1".into(), 1),
                ("3".into(), 2),
                ("2".into(), 2),
                ("4".into(), 3),
                ("9".into(), 1)
            ]
        );
    }

    #[test]
    fn orphans_are_an_error_naming_them() {
        let a = [acc("1", None), acc("5", Some("77")), acc("6", Some("5"))];
        let e = build_tree(&a).unwrap_err();
        assert_eq!(e, TreeError::Orphans(vec![("5".into(), "77".into())]));
        assert!(e.to_string().contains("5 (parent 77)"), "{e}");
    }

    #[test]
    fn a_cycle_is_an_error_not_a_hang() {
        let a = [
            acc("1", None),
            acc("2", Some("4")),
            acc("3", Some("2")),
            acc("4", Some("3")),
            acc("5", Some("4")),
        ];
        let e = build_tree(&a).unwrap_err();
        assert_eq!(
            e,
            TreeError::Cycle(vec!["2".into(), "4".into(), "3".into()])
        );
        assert_eq!(e.to_string(), "the parent ids form a cycle: 2 → 4 → 3 → 2");
        // Self-parent.
        let e = build_tree(&[acc("8", Some("8"))]).unwrap_err();
        assert_eq!(e, TreeError::Cycle(vec!["8".into()]));
    }

    #[test]
    fn a_very_deep_chain_does_not_overflow() {
        let n = 100_000;
        let mut a = vec![acc("0", None)];
        for i in 1..n {
            a.push(acc(&i.to_string(), Some(&(i - 1).to_string())));
        }
        let tree = build_tree(&a).unwrap();
        assert_eq!(tree.len(), n);
        assert_eq!(tree.last().map(|t| t.1), Some(u8::MAX));
        // The same chain closed into a ring.
        a[0].parent = Some((n - 1).to_string());
        assert!(matches!(build_tree(&a), Err(TreeError::Cycle(c)) if c.len() == n));
    }

    #[test]
    fn a_raised_flag_stops_the_build() {
        let a: Vec<Account> = (0..3 * CHECK_EVERY)
            .map(|i| acc(&i.to_string(), (i > 0).then_some("0")))
            .collect();
        let cancel = Cancel::new();
        assert!(build_tree_until(&a, &cancel).is_ok());
        drop(cancel.on_drop());
        assert!(cancel.is_cancelled());
        assert_eq!(build_tree_until(&a, &cancel), Err(TreeError::Cancelled));
    }

    fn shown(accounts: &[Account]) -> Vec<(String, u8)> {
        display_order(accounts)
            .into_iter()
            .map(|(i, d)| (accounts[i].id.clone(), d))
            .collect()
    }

    #[test]
    fn the_display_order_of_a_proper_tree_is_the_strict_order() {
        let a = [
            acc("3", Some("1")),
            acc("1", None),
            acc("4", Some("2")),
            acc("2", Some("1")),
            acc("9", None),
        ];
        assert_eq!(shown(&a), order(&a));
    }

    #[test]
    fn the_display_order_keeps_orphans_as_roots_and_cycles_flat() {
        let a = [
            acc("1", None),
            acc("5", Some("77")),
            acc("6", Some("5")),
            acc("2", Some("3")),
            acc("3", Some("2")),
            acc("8", Some("8")),
        ];
        assert_eq!(
            shown(&a),
            vec![
                ("1".into(), 1),
                ("5".into(), 1),
                ("6".into(), 2),
                ("2".into(), 1),
                ("3".into(), 1),
                ("8".into(), 1)
            ]
        );
    }

    #[test]
    fn two_hundred_thousand_accounts_are_ordered_quickly() {
        // 2,000 customers with 99 users each, listed children first.
        let mut a = Vec::new();
        for c in 0..2_000 {
            for u in 0..99 {
                a.push(acc(&format!("u{c}-{u}"), Some(&format!("c{c}"))));
            }
        }
        for c in 0..2_000 {
            a.push(acc(&format!("c{c}"), None));
        }
        let started = std::time::Instant::now();
        let shown = display_order(&a);
        let strict = build_tree(&a).unwrap();
        // Linear work: well under a second even unoptimised on a slow machine.
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(shown.len(), 200_000);
        assert_eq!(shown, strict);
        assert_eq!(a[shown[0].0].id, "c0");
        assert_eq!(a[shown[1].0].id, "u0-0");
    }
}
