// 举报奖励 — the proposal form shows only the inputs the chosen kind of report needs (fine, grade and deaths,
// or an amount); the hidden ones are cleared so they are not sent.
(function () {
  "use strict";
  document.querySelectorAll("[data-reward-form]").forEach(function (form) {
    var kind = form.querySelector("[data-reward-kind]");
    if (!kind) { return; }
    function show() {
      form.querySelectorAll("fieldset[data-basis]").forEach(function (set) {
        var on = set.getAttribute("data-basis").split(" ").indexOf(kind.value) >= 0;
        set.hidden = !on;
        set.querySelectorAll("input, select").forEach(function (input) {
          input.disabled = !on;
        });
      });
    }
    kind.addEventListener("change", show);
    show();
  });
}());
