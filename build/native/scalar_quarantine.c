// Holds every TorchSharp Scalar that .NET disposes for a while before freeing it.
//
// TorchSharp creates a Scalar for every implicit number (x * 0.5, x.clamp(0, 1)) and for the alpha of every tensor
// sum and difference (a + b is add(b, alpha: 1)). The managed Scalar is unreachable as soon as its handle has been read,
// so the garbage collector can finalize it while the native operation that reads it is still running; the finalizer
// frees the C++ object and the operation reads freed memory ("Expected false to be true" from c10::Scalar::toFloat, or
// a crash). This library defines THSTorch_dispose_scalar and is what the TorchSharp assembly's P/Invokes bind to
// (FaceClip.Core's ScalarQuarantine resolver); every other symbol is found in libLibTorchSharp.so, which it depends
// on. A disposed Scalar is freed by the real THSTorch_dispose_scalar only once it has been held for HOLD_NS: far longer
// than any single operation that takes a Scalar.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define HOLD_NS 2000000000LL  // two seconds

typedef void (*dispose_fn)(void*);

typedef struct {
    void* scalar;
    int64_t at;
} held_t;

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static held_t* ring = NULL;
static size_t capacity = 0, head = 0, count = 0;  // entries ring[head .. head + count), oldest first
static dispose_fn real_dispose = NULL;
static uint64_t disposed = 0;  // every Scalar handed to THSTorch_dispose_scalar
static uint64_t freed = 0;     // those freed since

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static dispose_fn real(void) {
    if (real_dispose == NULL) {
        void* lib = dlopen("libLibTorchSharp.so", RTLD_NOW | RTLD_NOLOAD);
        if (lib != NULL) {
            real_dispose = (dispose_fn)dlsym(lib, "THSTorch_dispose_scalar");
        }
    }
    return real_dispose;
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

void THSTorch_dispose_scalar(void* scalar) {
    dispose_fn dispose = real();
    if (scalar == NULL || dispose == NULL) {
        return;
    }
    int64_t now = now_ns();
    void* expired[64];
    size_t n = 0;
    pthread_mutex_lock(&gate);
    disposed++;
    while (count > 0 && n < 64 && now - ring[head].at >= HOLD_NS) {
        expired[n++] = ring[head].scalar;
        head = (head + 1) % capacity;
        count--;
        freed++;
    }
    int held = count < capacity || grow();
    if (held) {
        ring[(head + count) % capacity] = (held_t){scalar, now};
        count++;
    } else {
        freed++;
    }
    pthread_mutex_unlock(&gate);
    for (size_t i = 0; i < n; i++) {
        dispose(expired[i]);
    }
    if (!held) {
        dispose(scalar);  // out of memory for the ring: free at once, as TorchSharp would
    }
}

// How many disposed Scalars are held now (for tests and diagnostics).
size_t faceclip_scalar_quarantine_held(void) {
    pthread_mutex_lock(&gate);
    size_t held = count;
    pthread_mutex_unlock(&gate);
    return held;
}

// How many Scalars have been disposed through this library.
uint64_t faceclip_scalar_quarantine_disposed(void) {
    pthread_mutex_lock(&gate);
    uint64_t total = disposed;
    pthread_mutex_unlock(&gate);
    return total;
}

// How many of them have been freed.
uint64_t faceclip_scalar_quarantine_freed(void) {
    pthread_mutex_lock(&gate);
    uint64_t total = freed;
    pthread_mutex_unlock(&gate);
    return total;
}

// Whether this disposed Scalar is held (not yet freed): 1 or 0.
int faceclip_scalar_quarantine_holds(void* scalar) {
    int found = 0;
    pthread_mutex_lock(&gate);
    for (size_t i = 0; i < count && !found; i++) {
        found = ring[(head + i) % capacity].scalar == scalar;
    }
    pthread_mutex_unlock(&gate);
    return found;
}

// How long a disposed Scalar is held, in nanoseconds.
int64_t faceclip_scalar_quarantine_hold_ns(void) { return HOLD_NS; }
