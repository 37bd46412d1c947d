// Supplies std::ios_base_library_init(), which GCC 13's libstdc++ exports (GLIBCXX_3.4.32) and libLibTorchSharp.so
// calls. On an older libstdc++ the standard streams are initialised by ios_base::Init, which this object runs.
#include <iostream>

namespace std {
void ios_base_library_init() {
    static ios_base::Init init;
}
}  // namespace std
