# A plan is imported by <service_id>/<plan name>.
terraform import catalog_plan.custom service-0123456789abcdef0123/custom
