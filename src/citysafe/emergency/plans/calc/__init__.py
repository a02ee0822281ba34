"""Pure rules of plans: which plans an incident calls for, and at which response level."""
