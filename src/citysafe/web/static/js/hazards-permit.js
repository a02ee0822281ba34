// The permit form: the grade follows from the measured height or lifted mass, using the same bands the server
// applies (they come with the page from hazards/data/permit_rules.json), so the applicant sees the grade, its
// approval chain and its longest validity before submitting. The server decides again; this is only a preview.
(function () {
  const rules = JSON.parse(document.getElementById("permit-rules").textContent);
  const typeSelect = document.getElementById("work-type");
  const gradeBox = document.getElementById("grade-choice");
  const gradeSelect = gradeBox.querySelector("select");
  const result = document.getElementById("grade-result");
  const chosen = document.getElementById("chosen-grade").value;

  function measuredGrade(measure, value) {
    const tooLow = measure.min > 0 ? value < measure.min : value <= measure.min;
    if (tooLow) return { error: measure.below_min_zh };
    for (const band of measure.bands) {
      if (band.below !== undefined ? value < band.below : band.max === undefined || value <= band.max) {
        return { grade: band.grade };
      }
    }
    return { error: gettext("%(measure)s超出分级范围", { measure: gettext(measure.name_zh) }) };
  }

  function describe(kind, code) {
    const grade = kind.grades[code];
    const basis = kind.measure ? gettext("（依据 %(basis)s）", { basis: kind.measure.basis }) : "";
    result.dataset.grade = code;
    result.textContent = gettext("作业级别：%(grade)s%(basis)s　审批：%(approvals)s　有效期最长 %(hours)s 小时", {
      grade: gettext(grade.name_zh), basis, approvals: grade.approvals.map((a) => gettext(a)).join(" → "), hours: grade.max_hours });
  }

  function update() {
    const kind = rules.types[typeSelect.value];
    const measure = kind.measure;
    for (const label of document.querySelectorAll("[data-measure]")) {
      const mine = measure !== undefined && label.dataset.measure === measure.field;
      label.hidden = !mine;
      label.querySelector("input").required = mine;
    }
    const codes = Object.keys(kind.grades);
    gradeBox.hidden = measure !== undefined || codes.length === 1;
    delete result.dataset.grade;
    if (measure !== undefined) {
      gradeSelect.innerHTML = "";
      const raw = document.querySelector(`input[name=${measure.field}]`).value;
      if (raw === "") {
        result.textContent = gettext("填写%(measure)s后自动确定作业级别（%(basis)s）", { measure: gettext(measure.name_zh), basis: measure.basis });
        return;
      }
      const found = measuredGrade(measure, Number(raw));
      if (found.error) {
        result.textContent = found.error;
        return;
      }
      describe(kind, found.grade);
      return;
    }
    if (gradeSelect.dataset.type !== typeSelect.value) {
      gradeSelect.dataset.type = typeSelect.value;
      gradeSelect.innerHTML = "";
      for (const code of codes) {
        const option = new Option(kind.grades[code].name_zh, code, false, code === chosen);
        gradeSelect.add(option);
      }
    }
    describe(kind, gradeSelect.value || codes[0]);
  }

  typeSelect.addEventListener("change", update);
  gradeSelect.addEventListener("change", update);
  for (const input of document.querySelectorAll("[data-measure] input")) input.addEventListener("input", update);
  update();
})();
