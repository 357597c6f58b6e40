/* peacekg "Cite" box: a Copy button per format. The buttons stay hidden without JavaScript;
   where the clipboard is refused, the text is selected for Ctrl+C instead. */
(function () {
  "use strict";
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const source = document.getElementById(button.dataset.copy);
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(source.textContent);
        button.textContent = "Copied";
      } catch (refused) {
        window.getSelection().selectAllChildren(source);
        button.textContent = "Selected: press Ctrl+C";
      }
    });
  }
})();
