# The official Airflow image plus the project's pinned requirements and code.
FROM apache/airflow:3.3.2-python3.11

USER root
# Volumes mounted here start out owned by airflow (named volumes copy the image's ownership).
RUN mkdir -p /opt/airflow/secrets /opt/airflow/warehouse-admin /opt/airflow/data \
    && chown -R airflow:root /opt/airflow/secrets /opt/airflow/warehouse-admin /opt/airflow/data
USER airflow

COPY --chown=airflow:root requirements.txt /opt/airflow/requirements.txt
# Runtime dependencies only (development tools are in requirements-dev.txt); pip check proves
# the pins consistent with what the base image already has.
RUN pip install --no-cache-dir -r /opt/airflow/requirements.txt && pip check

COPY --chown=airflow:root dags/ /opt/airflow/dags/
COPY --chown=airflow:root include/ /opt/airflow/include/
COPY --chown=airflow:root plugins/ /opt/airflow/plugins/
COPY --chown=airflow:root sql/ /opt/airflow/sql/
COPY --chown=airflow:root scripts/ /opt/airflow/scripts/

ENV PYTHONPATH=/opt/airflow \
    ELT_DATA_DIR=/opt/airflow/data \
    ELT_SECRETS_DIR=/opt/airflow/secrets

ENTRYPOINT ["/usr/bin/dumb-init", "--", "/opt/airflow/scripts/docker-entrypoint.sh"]
CMD []
