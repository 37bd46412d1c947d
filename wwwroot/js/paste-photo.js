// Paste a photo into the studio: an image on the clipboard (a screenshot, "copy image" in a browser) is handed to
// the studio's file input exactly as if it had been chosen in the file picker, so it takes the same checked path.
// Enter or Space on the drop zone opens the file picker, in the key's own event (a browser opens a picker only
// while it handles a person's gesture), and Space does not scroll the page.
(() => {
    document.addEventListener("keydown", event => {
        if ((event.key === "Enter" || event.key === " ") && event.target?.id === "drop-zone") {
            event.preventDefault();
            document.querySelector("#photo-drop input[type=file]")?.click();
        }
    });

    const accepted = ["image/jpeg", "image/png", "image/webp"];

    function imageFrom(clipboard) {
        if (!clipboard) {
            return null;
        }
        for (const item of clipboard.items ?? []) {
            if (item.kind === "file" && accepted.includes(item.type)) {
                return item.getAsFile();
            }
        }
        return null;
    }

    document.addEventListener("paste", event => {
        const input = document.querySelector("#photo-drop input[type=file]");
        const file = input ? imageFrom(event.clipboardData) : null;
        if (!file) {
            return; // nothing for the studio: leave the paste to the focused field
        }
        event.preventDefault();
        const extension = file.type.split("/")[1].replace("jpeg", "jpg");
        const named = new File([file], file.name && file.name !== "image." + extension ? file.name : `pasted.${extension}`, { type: file.type });
        const transfer = new DataTransfer();
        transfer.items.add(named);
        input.files = transfer.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
    });
})();
