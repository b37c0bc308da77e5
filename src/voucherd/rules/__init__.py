"""Validation rules (`val_…`) and their assignments (`asgm_…`): who may use a code, on what,
when and how often. The rule language is pure (parse -> typed tree -> evaluate against facts
built once per request); the counters rules read live here too."""
