//! State that higher floors keep with an unlocked store, keyed by its type (like
//! `http::Extensions`): the store floor holds it without knowing what it is, and it is
//! dropped with the store at lock. The statistics' remembered audits
//! (`stats::memo::ProtectionMemo`) live here.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// One value per type, made on first use. Boxed: the store is moved around in the shell's
/// session states, and stays one pointer bigger rather than a map bigger.
#[derive(Default)]
pub struct Extensions(Box<Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>>);

impl std::fmt::Debug for Extensions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extensions").finish_non_exhaustive()
    }
}

impl Extensions {
    /// The value of type `T`, made with `T::default()` the first time it is asked for.
    pub fn get_or_default<T: Any + Send + Sync + Default>(&self) -> Arc<T> {
        // A poisoned lock only means another thread panicked while holding it; the map's
        // entries are inserted whole, so it is still sound.
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let value = map
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(T::default()));
        match Arc::clone(value).downcast::<T>() {
            Ok(v) => v,
            // Unreachable: the entry of `TypeId::of::<T>()` is only ever a `T`.
            Err(_) => Arc::new(T::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Counter(Mutex<u32>);

    #[test]
    fn one_value_per_type_shared_between_callers() {
        let ext = Extensions::default();
        let a = ext.get_or_default::<Counter>();
        *a.0.lock().unwrap() += 1;
        let b = ext.get_or_default::<Counter>();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(*b.0.lock().unwrap(), 1);
        let other = ext.get_or_default::<Mutex<String>>();
        assert!(other.lock().unwrap().is_empty());
    }
}
