//! Handles: the `EnConfig *` and `EnWriter *` that C holds are keys into a table, never
//! addresses that this library dereferences. A NULL, freed, made-up or wrong-kind handle is
//! therefore an error, never a crash, and keys are never reused, so a writer used after
//! `en_writer_finish` is reported even if another writer was opened since.
//!
//! A value is taken out of its table while a call uses it; a second thread calling with the
//! same handle at that moment gets an error instead of a data race.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::status::Failure;

/// Keys are multiples of 16 (so they are valid, aligned pointer values in C) counted from one
/// counter for every table: a config's handle is never a writer's.
static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

enum Slot<T> {
    /// Not in use: the value.
    Idle(T),
    /// A call on some thread has the value right now.
    Busy,
}

/// One kind of handle.
pub(crate) struct Table<T> {
    /// What the handle is, for messages ("config", "writer").
    kind: &'static str,
    /// The C function that frees it, for messages.
    freed_by: &'static str,
    slots: Mutex<BTreeMap<usize, Slot<T>>>,
}

impl<T> Table<T> {
    pub(crate) const fn new(kind: &'static str, freed_by: &'static str) -> Self {
        Table {
            kind,
            freed_by,
            slots: Mutex::new(BTreeMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<usize, Slot<T>>> {
        // The map is consistent after any panic (each change is a single insert or replace).
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds `value`; its handle.
    pub(crate) fn insert(&self, value: T) -> Result<usize, Failure> {
        let n = NEXT_KEY.fetch_add(1, Ordering::Relaxed);
        let key = n
            .checked_mul(16)
            .and_then(|k| usize::try_from(k).ok())
            .ok_or_else(|| Failure::invalid(format!("no {} handles are left", self.kind)))?;
        self.lock().insert(key, Slot::Idle(value));
        Ok(key)
    }

    fn missing(&self, key: usize) -> Failure {
        if key == 0 {
            Failure::invalid(format!("the {} is NULL", self.kind))
        } else {
            Failure::invalid(format!(
                "{:#x} is not an open {}: it was already freed ({}), or did not come from this library",
                key, self.kind, self.freed_by
            ))
        }
    }

    fn busy(&self) -> Failure {
        Failure::invalid(format!(
            "this {} is in use by another thread at this moment: use one {} from one thread at a time",
            self.kind, self.kind
        ))
    }

    /// Takes the value out for the length of one call.
    fn take(&self, key: usize) -> Result<T, Failure> {
        let mut slots = self.lock();
        let slot = slots.get_mut(&key).ok_or_else(|| self.missing(key))?;
        match std::mem::replace(slot, Slot::Busy) {
            Slot::Idle(v) => Ok(v),
            Slot::Busy => Err(self.busy()),
        }
    }

    /// Runs `f` on the value of `key`; the value goes back into the table afterwards, even if
    /// `f` panics.
    pub(crate) fn with<R>(&self, key: usize, f: impl FnOnce(&mut T) -> R) -> Result<R, Failure> {
        struct PutBack<'a, T> {
            table: &'a Table<T>,
            key: usize,
            value: Option<T>,
        }
        impl<T> Drop for PutBack<'_, T> {
            fn drop(&mut self) {
                if let Some(v) = self.value.take() {
                    self.table.lock().insert(self.key, Slot::Idle(v));
                }
            }
        }
        let mut guard = PutBack {
            table: self,
            key,
            value: Some(self.take(key)?),
        };
        let value = guard.value.as_mut().expect("the value was just taken out");
        Ok(f(value))
    }

    /// Removes the value of `key` for good (its handle is then unknown).
    pub(crate) fn remove(&self, key: usize) -> Result<T, Failure> {
        let mut slots = self.lock();
        match slots.get(&key) {
            None => Err(self.missing(key)),
            Some(Slot::Busy) => Err(self.busy()),
            Some(Slot::Idle(_)) => match slots.remove(&key) {
                Some(Slot::Idle(v)) => Ok(v),
                _ => unreachable!("the slot was just seen idle under the same lock"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_aligned_and_never_reused() {
        let t: Table<u32> = Table::new("thing", "thing_free");
        let a = t.insert(1).unwrap();
        t.remove(a).unwrap();
        let b = t.insert(2).unwrap();
        assert_ne!(a, b);
        assert_eq!(a % 16, 0);
        assert_eq!(b % 16, 0);
        let e = t.remove(a).unwrap_err();
        assert!(
            e.message.contains("already freed (thing_free)"),
            "{}",
            e.message
        );
        assert!(t.with(0, |_| ()).unwrap_err().message.contains("NULL"));
    }

    #[test]
    fn a_busy_value_is_refused_and_put_back_after_a_panic() {
        let t: Table<u32> = Table::new("thing", "thing_free");
        let k = t.insert(7).unwrap();
        t.with(k, |v| {
            let e = t.with(k, |_| ()).unwrap_err();
            assert!(
                e.message.contains("in use by another thread"),
                "{}",
                e.message
            );
            assert!(t.remove(k).is_err());
            *v = 8;
        })
        .unwrap();
        let r = std::panic::catch_unwind(AssertUnwindSafe(|| t.with(k, |_| panic!("boom"))));
        assert!(r.is_err());
        assert_eq!(t.remove(k).unwrap(), 8);
    }

    use std::panic::AssertUnwindSafe;
}
