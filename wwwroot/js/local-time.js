// <local-time datetime="2026-01-31T12:00:00Z">: shows an instant in the browser's own time zone and language. The
// server writes the instant in UTC as the element's text (what shows without script); the element replaces it with
// the local form in its shadow root, so the server's re-renders of the attribute update it and never fight over text.
(() => {
    const formats = {
        datetime: { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" },
        time: { hour: "2-digit", minute: "2-digit", second: "2-digit" },
    };

    class LocalTime extends HTMLElement {
        static observedAttributes = ["datetime", "format"];

        connectedCallback() { this.update(); }

        attributeChangedCallback() { this.update(); }

        update() {
            const instant = new Date(this.getAttribute("datetime") ?? "");
            if (Number.isNaN(instant.getTime())) {
                return;
            }
            const root = this.shadowRoot ?? this.attachShadow({ mode: "open" });
            const text = new Intl.DateTimeFormat(undefined, formats[this.getAttribute("format")] ?? formats.datetime).format(instant);
            root.textContent = text;
            this.title = instant.toLocaleString(undefined, { dateStyle: "full", timeStyle: "long" });
            this.dataset.local = text;
        }
    }

    if (!customElements.get("local-time")) {
        customElements.define("local-time", LocalTime);
    }
})();
