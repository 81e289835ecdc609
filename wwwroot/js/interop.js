// Browser functions the dashboard needs, as one ES module (imported on demand; no globals).

export function copyText(text) {
  return navigator.clipboard.writeText(text).then(() => true, () => false);
}

export function downloadText(fileName, text, mimeType) {
  const blob = new Blob([text], { type: mimeType || "application/octet-stream" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.rel = "noopener";
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function getPreference(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function setPreference(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Storage refused (private mode, sandboxed iframe): the choice lasts for this page only.
  }
}

// Everything the layout needs from the browser when a circuit starts, in one round trip: the saved choices, the system's
// colour scheme and the time zone. Asked for one by one they were five round trips before the page answered.
export function startupPreferences(keys) {
  const preferences = {};
  for (const key of keys) {
    preferences[key] = getPreference(key);
  }
  let systemDark = false;
  try {
    systemDark = window.matchMedia("(prefers-color-scheme: dark)").matches;
  } catch {
    // No media queries (a test browser, say): light.
  }
  return { preferences, systemDark, timeZone: timeZone() };
}

export function timeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
  } catch {
    return null;
  }
}

export function focusElement(element) {
  element?.focus({ preventScroll: false });
}

// Scrolls a list the least needed to show a band of it (a row at `top`, `height` high), or not at all if it shows.
export function keepInView(element, top, height) {
  if (!element) {
    return;
  }
  if (top < element.scrollTop) {
    element.scrollTop = top;
  } else if (top + height > element.scrollTop + element.clientHeight) {
    element.scrollTop = top + height - element.clientHeight;
  }
}

// Keeps a growing list at its end once the reader has scrolled there (following a run's log as lines arrive), and where
// the reader scrolled to otherwise. Only a scroll of the reader's arms it: a list still empty while its first lines load
// is "at its end" too, and would otherwise open at its last line. A virtualised list grows by its spacers' heights,
// hence the watch on their style. A scroll whose event has not fired yet when lines arrive (the two in one frame) is
// judged against the list as it was before they came: judged after, a reader who had just reached the end was not
// followed.
const stuckToEnd = new WeakSet();
export function stickToEnd(element) {
  if (!element || stuckToEnd.has(element)) {
    return;
  }
  stuckToEnd.add(element);
  const isAtEnd = () => element.scrollTop + element.clientHeight >= element.scrollHeight - 4;
  let atEnd = false;
  let seenTop = element.scrollTop;
  let heightBefore = element.scrollHeight;
  element.addEventListener("scroll", () => {
    atEnd = isAtEnd();
    seenTop = element.scrollTop;
    heightBefore = element.scrollHeight;
  }, { passive: true });
  new MutationObserver(() => {
    if (element.scrollTop !== seenTop) {
      atEnd = element.scrollTop + element.clientHeight >= heightBefore - 4;
      seenTop = element.scrollTop;
    }
    if (atEnd && !isAtEnd()) {
      element.scrollTop = element.scrollHeight;
    }
    heightBefore = element.scrollHeight;
  }).observe(element, { childList: true, subtree: true, attributes: true, attributeFilter: ["style"] });
}

// Brings a row of a virtualised list into view: the list renders only what is near its scroll position.
export function scrollElementTo(element, top, left) {
  element?.scrollTo({ top: Math.max(0, top), left: Math.max(0, left) });
}

// Scrolls the element matching `selector` into view once it exists (a panel the next render adds), for up to two
// seconds. In an iframe the page itself does not scroll to it, so without this a chosen step could open out of sight.
export function scrollIntoViewWhenPresent(selector) {
  const deadline = performance.now() + 2000;
  const attempt = () => {
    const element = document.querySelector(selector);
    if (element) {
      element.scrollIntoView({ block: "start", behavior: "smooth" });
    } else if (performance.now() < deadline) {
      requestAnimationFrame(attempt);
    }
  };
  requestAnimationFrame(attempt);
}
