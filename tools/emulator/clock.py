"""The virtual clock the engine and the emulator share.

Virtual time is real time since the emulator started plus every wait the clock skipped. The clock
skips a wait only when nothing is running: every thread of the engine is parked, and at least one
parked thread waits for a time. It then moves to the earliest such time and wakes the threads due.
So waits that overlap (Map iterations, Parallel branches, child executions, two runs at once) take
the time of the longest, as on AWS, and sequential waits add up.

Exact accounting keeps this deterministic: a thread counts as running from the moment its starter
starts it, and a parked thread counts as running again from the moment its waker wakes it (the
waker does the bookkeeping for it, under the clock's lock), so the count never drops to zero
between a hand-off and the thread that receives it.

`scale` is real seconds per skipped virtual second: 0 skips at once, 1 waits for real.
"""

import datetime
import heapq
import itertools
import threading
import time as real_time


class Parked:
    """One parked thread: woken by its event, by its deadline, or by the clock's stop."""

    __slots__ = ("deadline", "woken")

    def __init__(self, deadline):
        self.deadline = deadline
        self.woken = False


class VirtualClock:
    def __init__(self, scale=0.0):
        self.scale = scale
        self.lock = threading.Condition()
        self._started = real_time.monotonic()
        self._skipped = 0.0
        self._epoch = datetime.datetime.now(tz=datetime.UTC)
        self._running = 0
        self._parked = set()
        self._deadlines = []  # heap of (deadline, seq, Parked)
        self._seq = itertools.count()
        self._generation = 0
        self._watchers = set()  # parked until something changes
        threading.Thread(target=self._advance_forever, name="virtual-clock", daemon=True).start()

    # -- reading --------------------------------------------------------------------------------

    def now(self):
        """Virtual seconds since the emulator started."""
        return real_time.monotonic() - self._started + self._skipped

    def datetime(self):
        return self._epoch + datetime.timedelta(seconds=self.now())

    # -- the threads it counts ------------------------------------------------------------------

    def thread_started(self):
        with self.lock:
            self._running += 1

    def thread_ended(self):
        with self.lock:
            self._running -= 1
            self.lock.notify_all()

    def park(self, seconds=None, event=None):
        """Parks the calling thread until `event` wakes it or `seconds` of virtual time pass.

        Returns True when woken by the event (or it was already set)."""
        with self.lock:
            if event is not None and event.flag:
                return True
            parked = Parked(None if seconds is None else self.now() + max(0.0, seconds))
            self._parked.add(parked)
            if event is not None:
                event.parked.add(parked)
            if parked.deadline is not None:
                heapq.heappush(self._deadlines, (parked.deadline, next(self._seq), parked))
            self.lock.notify_all()
            while not parked.woken:
                self.lock.wait()
            if event is not None:
                event.parked.discard(parked)
            return event is not None and event.flag

    def wake(self, parked_set):
        """Wakes every thread in `parked_set`; called with the lock held."""
        for parked in parked_set:
            self._wake(parked)
        parked_set.clear()
        self.lock.notify_all()

    def _wake(self, parked):
        if not parked.woken:
            parked.woken = True
            self._parked.discard(parked)

    def sleep(self, seconds):
        self.park(seconds=seconds)

    # -- something changed (an execution ended, one was stopped) ----------------------------------

    def generation(self):
        with self.lock:
            return self._generation

    def changed(self):
        """Wakes every thread parked in `park_until_changed`."""
        with self.lock:
            self._generation += 1
            self.wake(self._watchers)

    def park_until_changed(self, since):
        """Parks until `changed` is called after generation `since` was read."""
        with self.lock:
            if self._generation != since:
                return
            parked = Parked(None)
            self._parked.add(parked)
            self._watchers.add(parked)
            self.lock.notify_all()
            while not parked.woken:
                self.lock.wait()

    # -- moving on --------------------------------------------------------------------------------

    def _idle(self):
        return self._running <= len(self._parked) and self._next_deadline() is not None

    def _next_deadline(self):
        while self._deadlines and self._deadlines[0][2].woken:
            heapq.heappop(self._deadlines)
        return self._deadlines[0][0] if self._deadlines else None

    def _advance_forever(self):
        with self.lock:
            while True:
                while not self._idle():
                    self.lock.wait()
                deadline = self._next_deadline()
                ahead = deadline - self.now()
                if ahead > 0 and self.scale > 0:
                    # Wait out the scaled time, unless something starts running meanwhile.
                    self.lock.wait(timeout=ahead * self.scale)
                    if not self._idle():
                        continue
                    ahead = self._next_deadline() - self.now()
                if ahead > 0:
                    self._skipped += ahead
                now = self.now()
                while self._deadlines and self._deadlines[0][0] <= now:
                    _, _, parked = heapq.heappop(self._deadlines)
                    self._wake(parked)
                self.lock.notify_all()


class ClockEvent:
    """threading.Event whose waiters the clock counts as parked (and whose timeouts are virtual)."""

    def __init__(self, clock):
        self.clock = clock
        self.flag = False
        self.parked = set()

    def is_set(self):
        return self.flag

    isSet = is_set

    def set(self):
        with self.clock.lock:
            self.flag = True
            self.clock.wake(self.parked)

    def clear(self):
        with self.clock.lock:
            self.flag = False

    def wait(self, timeout=None):
        return self.clock.park(seconds=timeout, event=self)
