//! Handles: the `EnConfig *` and `EnWriter *` that C holds are keys into a table, never
//! pointers that this library dereferences. A NULL, freed, made-up or wrong-kind handle is
//! therefore an error, never a crash.
//!
//! Each handle is the address of a small allocation of its own, so it is a real pointer value
//! (FFI runtimes such as Go's check that pointer-typed values are plausible), distinct from
//! every other live handle. A freed handle's allocation is kept in a quarantine of the last
//! [`QUARANTINE`] freed handles before its memory can be reused, so a writer used after
//! `en_writer_finish` is reported as freed even when other writers were opened since.
//!
//! A value is taken out of its table while a call uses it; a second thread calling with the
//! same handle at that moment gets an error instead of a data race.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use crate::status::Failure;

/// The allocation whose address is a handle (16 bytes, 8-aligned: a valid pointer value for
/// any opaque struct in C).
type Token = Box<[u64; 2]>;

/// How many freed handles keep their address reserved.
const QUARANTINE: usize = 4096;

/// The tokens of freed handles, oldest first.
static RETIRED: Mutex<VecDeque<Token>> = Mutex::new(VecDeque::new());

/// Keeps a freed handle's address out of use until [`QUARANTINE`] more handles are freed.
fn retire(token: Token) {
    let mut retired = RETIRED.lock().unwrap_or_else(|p| p.into_inner());
    retired.push_back(token);
    while retired.len() > QUARANTINE {
        retired.pop_front();
    }
}

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
    slots: Mutex<BTreeMap<usize, Entry<T>>>,
}

/// A handle's token and its value.
struct Entry<T> {
    token: Token,
    slot: Slot<T>,
}

impl<T> Table<T> {
    pub(crate) const fn new(kind: &'static str, freed_by: &'static str) -> Self {
        Table {
            kind,
            freed_by,
            slots: Mutex::new(BTreeMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<usize, Entry<T>>> {
        // The map is consistent after any panic (each change is a single insert or replace).
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds `value`; its handle.
    pub(crate) fn insert(&self, value: T) -> Result<usize, Failure> {
        let token: Token = Box::new([0; 2]);
        let key = &*token as *const [u64; 2] as usize;
        self.lock().insert(
            key,
            Entry {
                token,
                slot: Slot::Idle(value),
            },
        );
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
        let entry = slots.get_mut(&key).ok_or_else(|| self.missing(key))?;
        match std::mem::replace(&mut entry.slot, Slot::Busy) {
            Slot::Idle(v) => Ok(v),
            Slot::Busy => Err(self.busy()),
        }
    }

    /// Runs `f` on the value of `key` with the table locked: for quick calls, which are then
    /// atomic, so that several threads may use one value at once (a config that opens writers
    /// on several threads).
    pub(crate) fn with_locked<R>(
        &self,
        key: usize,
        f: impl FnOnce(&mut T) -> R,
    ) -> Result<R, Failure> {
        let mut slots = self.lock();
        let entry = slots.get_mut(&key).ok_or_else(|| self.missing(key))?;
        match &mut entry.slot {
            Slot::Idle(v) => Ok(f(v)),
            Slot::Busy => Err(self.busy()),
        }
    }

    /// Runs `f` on the value of `key` without the table locked (for calls that take long or
    /// wait, such as a push): the value is taken out meanwhile, and goes back into the table
    /// afterwards, even if `f` panics.
    pub(crate) fn with<R>(&self, key: usize, f: impl FnOnce(&mut T) -> R) -> Result<R, Failure> {
        struct PutBack<'a, T> {
            table: &'a Table<T>,
            key: usize,
            value: Option<T>,
        }
        impl<T> Drop for PutBack<'_, T> {
            fn drop(&mut self) {
                if let Some(v) = self.value.take() {
                    if let Some(entry) = self.table.lock().get_mut(&self.key) {
                        entry.slot = Slot::Idle(v);
                    }
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
        match slots.get(&key).map(|e| &e.slot) {
            None => Err(self.missing(key)),
            Some(Slot::Busy) => Err(self.busy()),
            Some(Slot::Idle(_)) => {
                let entry = slots.remove(&key).expect("the entry was just seen");
                drop(slots);
                retire(entry.token);
                match entry.slot {
                    Slot::Idle(v) => Ok(v),
                    Slot::Busy => unreachable!("the slot was just seen idle under the same lock"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_aligned_real_addresses_not_reused_after_free() {
        let t: Table<u32> = Table::new("thing", "by thing_free");
        let a = t.insert(1).unwrap();
        assert_eq!(a % 8, 0);
        assert!(a >= 4096, "{a:#x}");
        t.remove(a).unwrap();
        // Many handles later, the freed one is still not given out again.
        let later: Vec<usize> = (0..100).map(|i| t.insert(i).unwrap()).collect();
        assert!(!later.contains(&a));
        let e = t.remove(a).unwrap_err();
        assert!(
            e.message.contains("already freed (by thing_free)"),
            "{}",
            e.message
        );
        assert!(t.with(0, |_| ()).unwrap_err().message.contains("NULL"));
        for k in later {
            t.remove(k).unwrap();
        }
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
        // A panic under the lock leaves the table usable too.
        let r = std::panic::catch_unwind(AssertUnwindSafe(|| t.with_locked(k, |_| panic!("boom"))));
        assert!(r.is_err());
        assert_eq!(t.with_locked(k, |v| *v).unwrap(), 8);
        assert_eq!(t.remove(k).unwrap(), 8);
    }

    use std::panic::AssertUnwindSafe;
}
