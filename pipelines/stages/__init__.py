"""The top layer: one thin module per DVC stage (read records → call engines → write records).

A stage never imports another stage; ``dvc.yaml`` lists every module and data file a stage
imports or reads (a test derives the list from the imports).
"""
