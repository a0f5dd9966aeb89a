//! Audited protections remembered while a store is unlocked, so that publishing a period
//! does its linear programming once.
//!
//! [`super::audit::protect`] is a pure function of the system of figures and the
//! threshold, and every view of a period shares one system ([`super::views`]): the print
//! view, the CSV and XLSX files, both views a coordinator may choose and the codes-only
//! variant all apply the same marks. At a coordination centre with 20 centres the audit
//! of a year takes about a second; reading the finest counts and building the system take
//! a few tens of milliseconds. So the statistics screen asks for the protection as soon as
//! it shows a period ([`super::prepare_publication`] on a worker thread, without the
//! store's lock), and the print view or the file that follows finds it done.
//!
//! A protection is found again only for a system **equal** in every figure, relation and
//! twin and for the same threshold: there is no hash to collide and nothing to invalidate
//! (new data makes a different system). The memo holds the last [`CAPACITY`] systems and
//! lives in memory only, with the unlocked [`crate::store::Store`] (in its
//! [`crate::store::extensions::Extensions`]): it is dropped with the store at lock, like the
//! counts it was made from.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use super::audit::{self, Protection, System};
use crate::error::Result;

/// How many systems (periods, with their data as it was) are remembered.
pub const CAPACITY: usize = 8;

/// One remembered system and, once computed, its protection. Callers that ask for the
/// same system while it is being computed wait on `protection` instead of computing it
/// again.
struct Slot {
    threshold: i64,
    system: System,
    protection: Mutex<Option<Arc<Protection>>>,
}

/// The protections of the last [`CAPACITY`] systems, most recently used first.
#[derive(Default)]
pub struct ProtectionMemo {
    slots: Mutex<VecDeque<Arc<Slot>>>,
}

impl std::fmt::Debug for ProtectionMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProtectionMemo")
            .field("systems", &lock(&self.slots).len())
            .finish()
    }
}

/// A poisoned lock only means another thread panicked while holding it; the data under
/// it is a cache whose entries are written whole, so it is still sound.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ProtectionMemo {
    /// The audited protection of `system` at `threshold`: remembered, or computed now by
    /// [`audit::protect`] and remembered. A failed audit is not remembered.
    pub fn protect(&self, system: &System, threshold: i64) -> Result<Arc<Protection>> {
        let slot = {
            let mut slots = lock(&self.slots);
            let found = slots
                .iter()
                .position(|s| s.threshold == threshold && s.system == *system);
            let slot = match found.and_then(|i| slots.remove(i)) {
                Some(slot) => slot,
                None => Arc::new(Slot {
                    threshold,
                    system: system.clone(),
                    protection: Mutex::new(None),
                }),
            };
            slots.push_front(Arc::clone(&slot));
            slots.truncate(CAPACITY);
            slot
        };
        let mut cell = lock(&slot.protection);
        if let Some(p) = &*cell {
            return Ok(Arc::clone(p));
        }
        let p = Arc::new(audit::protect(&slot.system, threshold)?);
        *cell = Some(Arc::clone(&p));
        Ok(p)
    }

    /// How many systems have a protection computed (for tests and the bench).
    pub fn computed(&self) -> usize {
        lock(&self.slots)
            .iter()
            .filter(|s| lock(&s.protection).is_some())
            .count()
    }

    /// Forgets every protection.
    pub fn clear(&self) {
        lock(&self.slots).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row of three cells and its total, with `small` as the first cell.
    fn row(small: i64) -> System {
        let mut s = System::default();
        let a = s.push(small, false, 0, 0);
        let b = s.push(7, false, 0, 0);
        let c = s.push(9, false, 0, 0);
        let t = s.push(small + 16, false, 2, 0);
        s.relations.push((vec![a, b, c], t));
        s
    }

    #[test]
    fn the_remembered_protection_is_the_audits_and_is_computed_once_per_system() {
        let memo = ProtectionMemo::default();
        let sys = row(2);
        let first = memo.protect(&sys, 5).unwrap();
        let direct = audit::protect(&sys, 5).unwrap();
        assert_eq!(first.marks, direct.marks);
        assert_eq!(first.summary, direct.summary);
        assert!(first.marks[0].is_some(), "the small count is hidden");
        let again = memo.protect(&sys, 5).unwrap();
        assert!(
            Arc::ptr_eq(&first, &again),
            "the second call finds the first"
        );
        assert_eq!(memo.computed(), 1);
    }

    #[test]
    fn a_different_figure_or_threshold_is_audited_on_its_own() {
        let memo = ProtectionMemo::default();
        let small = memo.protect(&row(2), 5).unwrap();
        // The same shape with the small count grown to 6: nothing to hide.
        let grown = memo.protect(&row(6), 5).unwrap();
        assert!(small.marks[0].is_some());
        assert!(grown.marks.iter().all(Option::is_none), "{:?}", grown.marks);
        // The same figures at threshold 2: 2 is no longer small.
        let lower = memo.protect(&row(2), 2).unwrap();
        assert!(lower.marks.iter().all(Option::is_none), "{:?}", lower.marks);
        assert_eq!(memo.computed(), 3);
    }

    #[test]
    fn only_the_last_systems_are_kept() {
        let memo = ProtectionMemo::default();
        let first = memo.protect(&row(1), 5).unwrap();
        for v in 0..CAPACITY as i64 {
            memo.protect(&row(10 + v), 5).unwrap();
        }
        assert_eq!(memo.computed(), CAPACITY);
        let again = memo.protect(&row(1), 5).unwrap();
        assert!(!Arc::ptr_eq(&first, &again), "the oldest was forgotten");
        assert_eq!(first.marks, again.marks);
        memo.clear();
        assert_eq!(memo.computed(), 0);
    }

    #[test]
    fn threads_asking_for_one_system_at_once_share_one_computation() {
        let memo = ProtectionMemo::default();
        let sys = row(3);
        let got: Vec<Arc<Protection>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| s.spawn(|| memo.protect(&sys, 5).unwrap()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(got.iter().all(|p| Arc::ptr_eq(p, &got[0])));
        assert_eq!(memo.computed(), 1);
    }
}
