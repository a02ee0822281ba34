// The plan form shows what its choices need: the place list or the grid/region chooser, the person or the
// department the tasks go to, and only the checklists and places of the chosen place type.
(function () {
  const form = document.getElementById("plan-form");
  const placeType = document.getElementById("place-type");
  const kind = document.getElementById("assignee-kind");

  function sync() {
    const target = form.querySelector("input[name=target]:checked").value;
    form.querySelectorAll("[data-target]").forEach((el) => { el.hidden = el.dataset.target !== target; });
    form.querySelectorAll("[data-assignee]").forEach((el) => { el.hidden = el.dataset.assignee !== kind.value; });
    const type = placeType.value;
    form.querySelectorAll("#checklist option[data-place-type], .places label[data-place-type]").forEach((el) => {
      el.hidden = Boolean(type) && el.dataset.placeType !== type;
      const box = el.querySelector && el.querySelector("input[type=checkbox]");
      if (box && el.hidden) box.checked = false;  // a place of another type is not inspected by this checklist
    });
    const chosen = form.querySelector("#checklist").selectedOptions[0];
    if (chosen && chosen.hidden) form.querySelector("#checklist").value = "";
  }

  form.querySelector("#checklist").addEventListener("change", (event) => {
    const option = event.target.selectedOptions[0];
    if (option && option.dataset.placeType) placeType.value = option.dataset.placeType;
    sync();
  });
  form.addEventListener("change", sync);
  sync();
})();
