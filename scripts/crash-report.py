"""Prints the faulting thread of a .NET crash report (DOTNET_EnableCrashReport): one line per frame."""
import json
import sys

report = json.load(open(sys.argv[1]))["payload"]
print(f"process {report.get('process_name', '?')}")
for thread in report.get("threads", []):
    if str(thread.get("crashed")).lower() != "true":
        continue
    if thread.get("managed_exception_type"):
        print(f"  managed exception {thread['managed_exception_type']}")
    for frame in thread.get("stack_frames", [])[:40]:
        if str(frame.get("is_managed")).lower() == "true":
            print(f"  managed   {frame.get('filename', '?')} {frame.get('method_name', '?')} +{frame.get('il_offset', '?')}")
        else:
            print(f"  native    {frame.get('native_module', '?')} {frame.get('unmanaged_name', '')} +{frame.get('native_image_offset', '?')}")
