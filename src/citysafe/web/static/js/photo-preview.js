// Photos taken or chosen in a form show as thumbnails before they are sent, so the officer sees that the
// camera really took them: every <input type=file data-preview="ID"> fills the element ID.
(function () {
  for (const input of document.querySelectorAll("input[type=file][data-preview]")) {
    const preview = document.getElementById(input.dataset.preview);
    if (!preview) continue;
    input.addEventListener("change", () => {
      preview.replaceChildren();
      for (const file of input.files) {
        const img = document.createElement("img");
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        preview.appendChild(img);
      }
    });
  }
})();
