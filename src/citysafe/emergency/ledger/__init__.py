"""The accident ledger (事故台账): closed 事故灾难 incidents and earlier years' accidents imported from Excel."""
