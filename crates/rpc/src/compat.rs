//! `pluto compat`: what a rolling deploy of a new version of the program does to the calls
//! of a deployed system (the `buf breaking` of a whole system). During a rollout old and
//! new executables run side by side, and a call only works when the caller and the
//! callee agree on the function's wire shape (the fingerprint check refuses anything
//! else). So for each call, old or new:
//!
//! - a function whose shape changed, still called by the new program, breaks whichever
//!   side goes first: no rollout order is safe (add a new function and migrate instead);
//! - a function removed or changed that the new program no longer calls: its callers go
//!   first (they stop calling it), then the unit;
//! - a function (or a unit) the new program calls and the deployed one lacks: the callee
//!   goes first, then its new callers.
//!
//! The constraints "A before B" give the rollout order, or the cycle that forbids one.

use std::collections::{BTreeMap, BTreeSet};

use crate::system::{Function, System};

/// What happens to one call during the rollout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub caller: String,
    pub unit: String,
    pub function: String,
    pub verdict: Verdict,
    /// What changed, in words.
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Works whatever the order.
    Compatible,
    /// Works if `first` is deployed before `then`.
    Ordered { first: String, then: String },
    /// Breaks whatever the order.
    Breaking,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// The units in a safe rollout order, or why there is none.
    pub order: Result<Vec<String>, String>,
}

fn function<'a>(system: &'a System, unit: &str, name: &str) -> Option<&'a Function> {
    system.units.iter().find(|u| u.name == unit)?.functions.iter().find(|f| f.name == name)
}

/// Compares the deployed system `old` with the new program's `new`.
pub fn compare(old: &System, new: &System) -> Report {
    let mut findings = Vec::new();
    let mut edges: BTreeSet<(String, String, String)> = BTreeSet::new();
    for c in old.calls.iter().chain(new.calls.iter()) {
        edges.insert((c.from.clone(), c.to.clone(), c.function.clone()));
    }
    let called_now = |from: &str, to: &str, f: &str| new.calls.iter().any(|c| c.from == from && c.to == to && c.function == f);
    for (caller, unit, name) in edges {
        let before = function(old, &unit, &name);
        let after = function(new, &unit, &name);
        let still_called = called_now(&caller, &unit, &name);
        let (verdict, detail) = match (before, after) {
            (Some(b), Some(a)) if b.fingerprint == a.fingerprint => (Verdict::Compatible, "unchanged".to_string()),
            (Some(b), Some(a)) if still_called => {
                (Verdict::Breaking, format!("{}; old and new callers cannot call each other's version", describe(b, a)))
            }
            (Some(b), Some(a)) => (
                Verdict::Ordered { first: caller.clone(), then: unit.clone() },
                format!("{}; `{caller}` no longer calls it", describe(b, a)),
            ),
            (Some(_), None) => (
                Verdict::Ordered { first: caller.clone(), then: unit.clone() },
                format!("removed; `{caller}` no longer calls it"),
            ),
            (None, Some(_)) => (
                Verdict::Ordered { first: unit.clone(), then: caller.clone() },
                "new: the deployed unit does not serve it yet".to_string(),
            ),
            (None, None) => continue,
        };
        findings.push(Finding { caller, unit, function: name, verdict, detail });
    }
    let order = rollout_order(old, new, &findings);
    Report { findings, order }
}

/// What changed between two versions of a function, in words.
fn describe(before: &Function, after: &Function) -> String {
    let mut changes = Vec::new();
    let names = |f: &Function| f.params.iter().map(|p| format!("{}: {}", p.name, p.shape)).collect::<Vec<_>>();
    let (b, a) = (names(before), names(after));
    if b != a {
        changes.push(format!("parameters ({}) became ({})", b.join(", "), a.join(", ")));
    }
    if before.result != after.result {
        changes.push(format!("result {} became {}", before.result, after.result));
    }
    let errors = |f: &Function| f.errors.iter().map(|e| (e.name.clone(), e.shape.clone())).collect::<BTreeMap<_, _>>();
    let (eb, ea) = (errors(before), errors(after));
    for (name, shape) in &ea {
        match eb.get(name) {
            None => changes.push(format!("raises the new error {name}, which deployed callers cannot decode")),
            Some(old) if old != shape => changes.push(format!("error {name} changed shape ({old} → {shape})")),
            _ => {}
        }
    }
    for name in eb.keys().filter(|n| !ea.contains_key(*n)) {
        changes.push(format!("no longer raises {name}"));
    }
    if changes.is_empty() {
        changes.push("its wire shape changed".to_string());
    }
    format!("re-typed: {}", changes.join("; "))
}

/// Units ordered so every "first before then" holds (alphabetical among equals), or the
/// reason none exists.
fn rollout_order(old: &System, new: &System, findings: &[Finding]) -> Result<Vec<String>, String> {
    if let Some(f) = findings.iter().find(|f| f.verdict == Verdict::Breaking) {
        return Err(format!(
            "`{}.{}` changed while `{}` still calls it: whichever goes first, calls between old and new versions fail; add the new shape as a new function, move `{}` to it, then remove the old one",
            f.unit, f.function, f.caller, f.caller
        ));
    }
    let units: BTreeSet<String> = old.units.iter().chain(new.units.iter()).map(|u| u.name.clone()).collect();
    let mut before: BTreeMap<String, BTreeSet<String>> = units.iter().map(|u| (u.clone(), BTreeSet::new())).collect();
    for f in findings {
        if let Verdict::Ordered { first, then } = &f.verdict
            && first != then
        {
            before.entry(then.clone()).or_default().insert(first.clone());
        }
    }
    let mut order = Vec::new();
    let mut left: BTreeSet<String> = units;
    while !left.is_empty() {
        let ready: Option<String> = left.iter().find(|u| before[*u].iter().all(|b| !left.contains(b))).cloned();
        match ready {
            Some(u) => {
                left.remove(&u);
                order.push(u);
            }
            None => {
                let stuck: Vec<String> = left.into_iter().collect();
                return Err(format!("the units {} each need another of them deployed first", stuck.join(", ")));
            }
        }
    }
    Ok(order)
}

/// The report as text, for `pluto compat`.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let verdict = match &f.verdict {
            Verdict::Compatible => "ok".to_string(),
            Verdict::Ordered { first, then } => format!("ok if `{first}` is deployed before `{then}`"),
            Verdict::Breaking => "BREAKS".to_string(),
        };
        out.push_str(&format!("{} -> {}.{}: {verdict}: {}\n", f.caller, f.unit, f.function, f.detail));
    }
    match &report.order {
        Ok(order) => out.push_str(&format!("safe rollout order: {}\n", order.join(", "))),
        Err(reason) => out.push_str(&format!("no safe rollout order: {reason}\n")),
    }
    out
}
