// Holds every TorchSharp Scalar and Tensor handle that .NET's finalizer disposes for a while before freeing it.
//
// TorchSharp creates a Scalar for every implicit number (x * 0.5, x.clamp(0, 1)) and for the alpha of every tensor
// sum and difference (a + b is add(b, alpha: 1)), and code makes temporary tensors outside any dispose scope. Such a
// managed object is unreachable as soon as its handle has been read, so the garbage collector can finalize it while the
// native operation that reads it is still running; the finalizer frees the C++ object and the operation reads freed
// memory ("Expected false to be true" from c10::Scalar::toFloat, or a crash in copy_). This library defines
// THSTorch_dispose_scalar and THSTensor_dispose and is what the TorchSharp assembly's P/Invokes bind to (FaceClip.Core's
// HandleQuarantine resolver); every other symbol is found in libLibTorchSharp.so, which it depends on. A handle disposed
// on the finalizer thread is freed by the real function only once it has been held for HOLD_NS, far longer than any
// single operation; a handle disposed explicitly (using, dispose scopes) is freed at once, as before. Until the managed
// side has said which thread is the finalizer's, every handle is held.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define HOLD_NS 2000000000LL  // two seconds

typedef void (*dispose_fn)(void*);

typedef struct {
    void* handle;
    dispose_fn dispose;
    int64_t at;
} held_t;

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static held_t* ring = NULL;
static size_t capacity = 0, head = 0, count = 0;  // entries ring[head .. head + count), oldest first
static uint64_t held_total = 0;                   // every handle held
static uint64_t freed = 0;                        // those freed since
static pthread_t finalizer;
static int finalizer_known = 0;

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static dispose_fn real(const char* name) {
    void* lib = dlopen("libLibTorchSharp.so", RTLD_NOW | RTLD_NOLOAD);
    dispose_fn fn = lib == NULL ? NULL : (dispose_fn)dlsym(lib, name);
    if (lib != NULL) {
        dlclose(lib);  // drops the reference RTLD_NOLOAD took; the library stays loaded (this one depends on it)
    }
    return fn;
}

static dispose_fn real_scalar(void) {
    static dispose_fn fn = NULL;
    if (fn == NULL) fn = real("THSTorch_dispose_scalar");
    return fn;
}

static dispose_fn real_tensor(void) {
    static dispose_fn fn = NULL;
    if (fn == NULL) fn = real("THSTensor_dispose");
    return fn;
}

static int grow(void) {
    size_t larger = capacity == 0 ? 4096 : capacity * 2;
    held_t* next = malloc(larger * sizeof(held_t));
    if (next == NULL) {
        return 0;
    }
    for (size_t i = 0; i < count; i++) {
        next[i] = ring[(head + i) % capacity];
    }
    free(ring);
    ring = next;
    capacity = larger;
    head = 0;
    return 1;
}

static void dispose_later(void* handle, dispose_fn dispose) {
    if (handle == NULL || dispose == NULL) {
        return;
    }
    int64_t now = now_ns();
    held_t expired[64];
    size_t n = 0;
    pthread_mutex_lock(&gate);
    while (count > 0 && n < 64 && now - ring[head].at >= HOLD_NS) {
        expired[n++] = ring[head];
        head = (head + 1) % capacity;
        count--;
        freed++;
    }
    int hold = !finalizer_known || pthread_equal(pthread_self(), finalizer);
    int held = 0;
    if (hold && (count < capacity || grow())) {
        ring[(head + count) % capacity] = (held_t){handle, dispose, now};
        count++;
        held_total++;
        held = 1;
    }
    pthread_mutex_unlock(&gate);
    for (size_t i = 0; i < n; i++) {
        expired[i].dispose(expired[i].handle);
    }
    if (!held) {
        dispose(handle);  // disposed explicitly (or no memory for the ring): free at once, as TorchSharp would
    }
}

void THSTorch_dispose_scalar(void* scalar) { dispose_later(scalar, real_scalar()); }

void THSTensor_dispose(void* tensor) { dispose_later(tensor, real_tensor()); }

// Called from the .NET finalizer thread: from now on only what that thread disposes is held.
void faceclip_quarantine_finalizer_thread(void) {
    pthread_mutex_lock(&gate);
    finalizer = pthread_self();
    finalizer_known = 1;
    pthread_mutex_unlock(&gate);
}

// Whether the finalizer thread is known: 1 or 0.
int faceclip_quarantine_finalizer_known(void) {
    pthread_mutex_lock(&gate);
    int known = finalizer_known;
    pthread_mutex_unlock(&gate);
    return known;
}

// How many disposed handles are held now (for tests and diagnostics).
size_t faceclip_quarantine_held(void) {
    pthread_mutex_lock(&gate);
    size_t held = count;
    pthread_mutex_unlock(&gate);
    return held;
}

// How many handles have ever been held.
uint64_t faceclip_quarantine_disposed(void) {
    pthread_mutex_lock(&gate);
    uint64_t total = held_total;
    pthread_mutex_unlock(&gate);
    return total;
}

// How many held handles have been freed.
uint64_t faceclip_quarantine_freed(void) {
    pthread_mutex_lock(&gate);
    uint64_t total = freed;
    pthread_mutex_unlock(&gate);
    return total;
}

// Whether this disposed handle is held (not yet freed): 1 or 0.
int faceclip_quarantine_holds(void* handle) {
    int found = 0;
    pthread_mutex_lock(&gate);
    for (size_t i = 0; i < count && !found; i++) {
        found = ring[(head + i) % capacity].handle == handle;
    }
    pthread_mutex_unlock(&gate);
    return found;
}

// How long a disposed handle is held, in nanoseconds.
int64_t faceclip_quarantine_hold_ns(void) { return HOLD_NS; }
