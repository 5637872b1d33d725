# A service is imported by its ServiceId. The broker password cannot be read back: set
# broker.password_wo (and password_wo_version) in the configuration after importing.
terraform import catalog_service.db service-0123456789abcdef0123
