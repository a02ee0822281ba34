// The checklist form's item rows: "添加检查项" clones the row template, "删除" takes a row out (the last row
// stays, emptied, so the form always has one to type into).
(function () {
  const rows = document.getElementById("item-rows");
  const template = document.getElementById("item-template");
  document.getElementById("add-item").addEventListener("click", () => {
    const row = template.content.firstElementChild.cloneNode(true);
    rows.appendChild(row);
    row.querySelector("textarea").focus();
  });
  rows.addEventListener("click", (event) => {
    const button = event.target.closest("button.remove-item");
    if (!button) return;
    const row = button.closest("tr");
    if (rows.children.length > 1) {
      row.remove();
    } else {
      row.querySelectorAll("input, textarea").forEach((field) => { field.value = ""; });
      row.querySelector("select").value = "";
    }
  });
})();
